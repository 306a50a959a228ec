"""One theme (or parent theme) in detail: its figures, children, trend, KPI distribution
and a page of quotes."""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from nlp_service.insights.trends import Granularity
from nlp_service.schemas_insights import KpiBucket, QuotePage, ThemeDetailOut, Trend
from nlp_service.services.insights.caches import CACHE, DATA, TableCache, cached
from nlp_service.services.insights.catalog import ParentInfo, ThemeCatalog, ThemeInfo
from nlp_service.services.insights.loading import tenant_data
from nlp_service.services.insights.query import InsightsQuery
from nlp_service.services.insights.quotes import (
    DEFAULT_QUOTES,
    decode_cursor,
    encode_cursor,
    quote_out,
)
from nlp_service.services.insights.selection import union_row
from nlp_service.services.insights.tenant_copy import TenantData
from nlp_service.services.insights.theme_table import (
    DEFAULT_MIN_DRIVER,
    cached_theme_table,
    driver_model,
    labelled,
    overall_out,
    sort_stats,
    theme_stat,
)
from nlp_service.services.insights.trend_points import trend_points
from nlp_service.store.insights import InsightsRepository


def theme_detail(
    session: Session,
    tenant_id: str,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    theme_ref: str,
    interval: Granularity = "week",
    quote_cursor: str | None = None,
    quote_limit: int = 20,
    min_driver: int = DEFAULT_MIN_DRIVER,
    cache: TableCache | None = CACHE,
    lang: str | None = None,
) -> ThemeDetailOut:
    language = query.label_language(lang)
    info, ids = catalog.resolve(theme_ref, "id")
    offset = decode_cursor(quote_cursor)
    data = tenant_data(session, tenant_id, DATA if cache is not None else None)
    key = ("theme", tenant_id, data.version, catalog, query, tuple(ids), info.id, interval)
    return cached(
        cache,
        (*key, offset, quote_limit, min_driver, language),
        lambda: _theme_detail(
            session,
            tenant_id,
            data,
            catalog,
            query,
            info,
            ids,
            interval,
            offset,
            quote_limit,
            min_driver,
            language,
            cache,
        ),
    )


def _theme_detail(
    session: Session,
    tenant_id: str,
    data: TenantData,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    info: ThemeInfo | ParentInfo,
    ids: list[int],
    interval: Granularity,
    offset: int,
    quote_limit: int,
    min_driver: int,
    language: str | None,
    cache: TableCache | None,
) -> ThemeDetailOut:
    table = cached_theme_table(tenant_id, data, catalog, query, min_driver, cache)
    repo = InsightsRepository(session, tenant_id)
    if isinstance(info, ParentInfo):
        row = union_row(table.rows, ids)
        stat = theme_stat(table, catalog, info, row)
        children = sort_stats([table.stats[i] for i in ids if i in table.stats], "impact")
    else:
        row = table.rows.get(info.id)
        stat = table.stats.get(info.id) or theme_stat(table, catalog, info, row)
        children = []
    f = query.entry_filter()
    # One read for the top quotes and the page: the page is the ranking from `offset` on.
    ranked = repo.quotes(f, ids, max(DEFAULT_QUOTES, offset + quote_limit + 1), 0)
    top, page = ranked[:DEFAULT_QUOTES], ranked[offset : offset + quote_limit + 1]
    stat = stat.model_copy(
        update={"label": info.label_in(language), "quotes": [quote_out(q) for q in top]}
    )
    distribution: list[KpiBucket] = []
    if table.kpi_type is not None and row is not None:
        scores = table.answers.kpi_score[row.rows][table.kpi_mask[row.rows]]
        values, counts = np.unique(scores, return_counts=True)
        distribution = [
            KpiBucket(score=float(v), count=int(c)) for v, c in zip(values, counts, strict=True)
        ]
    return ThemeDetailOut(
        kpi_type=table.kpi_type,
        filters=query.echo(),
        answers=len(table.answers),
        answers_with_kpi=int(table.kpi_mask.sum()),
        answers_without_theme=table.without_theme,
        overall=overall_out(table),
        driver_model=driver_model(table),
        theme=stat,
        children=[labelled(c, catalog, language) for c in children],
        trend=Trend(
            interval=interval,
            points=trend_points(table.answers, table.kpi_type, row, interval, whole=False),
        ),
        kpi_distribution=distribution,
        quotes=QuotePage(
            items=[quote_out(q) for q in page[:quote_limit]],
            next_cursor=encode_cursor(offset + quote_limit) if len(page) > quote_limit else None,
        ),
    )
