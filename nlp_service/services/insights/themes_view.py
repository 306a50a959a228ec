"""The themes view: every theme's figures, sorted, with its most central quotes."""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from nlp_service.schemas_insights import ThemesOut
from nlp_service.services.insights.caches import CACHE, DATA, TableCache, cached
from nlp_service.services.insights.catalog import ThemeCatalog
from nlp_service.services.insights.loading import tenant_data
from nlp_service.services.insights.query import InsightsQuery
from nlp_service.services.insights.quotes import DEFAULT_QUOTES, quote_out
from nlp_service.services.insights.tenant_copy import TenantData
from nlp_service.services.insights.theme_table import (
    DEFAULT_MIN_DRIVER,
    Sort,
    cached_theme_table,
    driver_model,
    labelled,
    overall_out,
    sort_stats,
)
from nlp_service.store.insights import InsightsRepository


def themes(
    session: Session,
    tenant_id: str,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    sort: Sort = "impact",
    quotes: int = DEFAULT_QUOTES,
    min_driver: int = DEFAULT_MIN_DRIVER,
    include_empty: bool = False,
    cache: TableCache | None = CACHE,
    lang: str | None = None,
) -> ThemesOut:
    language = query.label_language(lang)
    data = tenant_data(session, tenant_id, DATA if cache is not None else None)
    key = ("themes", tenant_id, data.version, catalog, query, sort, quotes, min_driver)
    return cached(
        cache,
        (*key, include_empty, language),
        lambda: _themes(
            session,
            tenant_id,
            data,
            catalog,
            query,
            sort,
            quotes,
            min_driver,
            include_empty,
            language,
            cache,
        ),
    )


def _themes(
    session: Session,
    tenant_id: str,
    data: TenantData,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    sort: Sort,
    quotes: int,
    min_driver: int,
    include_empty: bool,
    language: str | None,
    cache: TableCache | None,
) -> ThemesOut:
    table = cached_theme_table(tenant_id, data, catalog, query, min_driver, cache)
    stats = [s for s in table.stats.values() if include_empty or s.count > 0]
    ordered = [labelled(s, catalog, language) for s in sort_stats(stats, sort)]
    if quotes > 0 and ordered:
        # The most central sentence of each (answer, theme) pair is in the loaded columns: pick
        # each theme's best `quotes` there and fetch only those sentences' texts.
        best: dict[int, list[int]] = {}
        for stat in ordered:
            row = table.rows.get(stat.id)
            segments = None if row is None else row.segments
            confidence = None if row is None else row.confidence
            if segments is None or confidence is None:
                continue
            if len(confidence) > quotes:
                top = np.argpartition(-confidence, quotes - 1)[:quotes]
                # Highest confidence first, ties by the lower segment id (a stable order).
                top = top[np.lexsort((segments[top], -confidence[top]))]
            else:
                top = np.lexsort((segments, -confidence))
            best[stat.id] = segments[top].tolist()
        texts = InsightsRepository(session, tenant_id).quotes_by_segment(
            [sid for ids in best.values() for sid in ids]
        )
        ordered = [
            s.model_copy(
                update={"quotes": [quote_out(texts[i]) for i in best.get(s.id, []) if i in texts]}
            )
            for s in ordered
        ]
    return ThemesOut(
        kpi_type=table.kpi_type,
        filters=query.echo(),
        sort=sort,
        answers=len(table.answers),
        answers_with_kpi=int(table.kpi_mask.sum()),
        answers_without_theme=table.without_theme,
        overall=overall_out(table),
        driver_model=driver_model(table),
        themes=ordered,
    )
