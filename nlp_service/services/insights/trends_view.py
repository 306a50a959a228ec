"""The trends view: answers, share, net sentiment and KPI per period, for all answers or
one theme."""

from __future__ import annotations

from sqlalchemy.orm import Session

from nlp_service.errors import InvalidInput, NotFound
from nlp_service.insights.trends import Granularity
from nlp_service.schemas_insights import ParentRef, TrendsOut
from nlp_service.services.insights.caches import CACHE, DATA, TableCache, cached
from nlp_service.services.insights.catalog import ThemeCatalog
from nlp_service.services.insights.kpi import choose_kpi
from nlp_service.services.insights.loading import tenant_data
from nlp_service.services.insights.query import InsightsQuery
from nlp_service.services.insights.selection import cached_columns, union_row
from nlp_service.services.insights.tenant_copy import TenantData
from nlp_service.services.insights.trend_points import trend_points


def trends(
    session: Session,
    tenant_id: str,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    theme: str | None = None,
    interval: Granularity = "week",
    cache: TableCache | None = CACHE,
    lang: str | None = None,
) -> TrendsOut:
    language = query.label_language(lang)
    data = tenant_data(session, tenant_id, DATA if cache is not None else None)
    return cached(
        cache,
        ("trends", tenant_id, data.version, catalog, query, theme, interval, language),
        lambda: _trends(tenant_id, data, catalog, query, theme, interval, language, cache),
    )


def _trends(
    tenant_id: str,
    data: TenantData,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    theme: str | None,
    interval: Granularity,
    language: str | None,
    cache: TableCache | None,
) -> TrendsOut:
    ref: ParentRef | None = None
    ids: list[int] = []
    if theme is not None:
        try:
            info, ids = catalog.resolve(theme, "theme")
        except NotFound as exc:  # a filter, not a path: a bad value is a 422
            raise InvalidInput(exc.message, field="theme") from None
        ref = ParentRef(id=info.id, label=info.label_in(language))
    cols = cached_columns(tenant_id, data, query, cache)
    ans = cols.answers
    kpi_type = choose_kpi(ans, query.kpi_type)
    row = union_row(cols.rows, ids) if ids else None
    points = trend_points(ans, kpi_type, row, interval, whole=theme is None)
    return TrendsOut(
        kpi_type=kpi_type,
        filters=query.echo(),
        theme=ref,
        interval=interval,
        points=points,
    )
