"""The per-theme table of one (tenant, filters): each theme's volume, sentiment, KPI, impact
and driver figures, computed once and labelled per request (`ThemeTable`)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from sqlalchemy.orm import Session

from nlp_service.insights import drivers as drv
from nlp_service.insights.impact import nps_impact, removal_impact_from_totals
from nlp_service.insights.scores import KpiTotals, sentiment_split
from nlp_service.schemas_insights import DriverModel, DriverOut, OverallKpi, ParentRef, ThemeStat
from nlp_service.services.insights.caches import CACHE, DATA, TableCache, cached, tables
from nlp_service.services.insights.catalog import ParentInfo, ThemeCatalog, ThemeInfo
from nlp_service.services.insights.drivers import driver_term, fit_drivers
from nlp_service.services.insights.kpi import choose_kpi, kpi_mask, kpi_of, kpi_summary
from nlp_service.services.insights.loading import tenant_data
from nlp_service.services.insights.outputs import interval_out, split_out
from nlp_service.services.insights.query import InsightsQuery
from nlp_service.services.insights.selection import ThemeRow, cached_columns
from nlp_service.services.insights.tenant_copy import TenantData
from nlp_service.store.insights import AnswerColumns

Sort = Literal["impact", "volume", "sentiment"]
DEFAULT_MIN_DRIVER = 10
OUTCOME = {
    "nps": "KPI score on its scale (NPS 0-10)",
    "csat": "KPI score on its scale (CSAT 1-5)",
    "ces": "KPI score on its scale (CES 1-7)",
}


@dataclass
class ThemeTable:
    answers: AnswerColumns
    kpi_type: str | None
    kpi_mask: np.ndarray
    rows: dict[int, ThemeRow]
    without_theme: int
    fit: drv.DriverFit | None
    min_driver: int
    stats: dict[int, ThemeStat] = field(default_factory=dict)

    @functools.cached_property
    def totals(self) -> KpiTotals:
        return KpiTotals.of(self.answers.kpi_score[self.kpi_mask])

    @functools.cached_property
    def overall_kpi(self) -> float | None:
        return self.totals.value(self.kpi_type) if self.kpi_type else None


def theme_stat(
    table: ThemeTable, catalog: ThemeCatalog, info: ThemeInfo | ParentInfo, row: ThemeRow | None
) -> ThemeStat:
    """One theme's figures; the work is proportional to the theme's answers (the KPI without
    the theme comes from the overall totals minus the theme's)."""
    ans, kpi_type = table.answers, table.kpi_type
    rows = row.rows if row is not None else np.zeros(0, dtype=np.int64)
    signs = row.signs if row is not None else np.zeros(0, dtype=np.int8)
    theme_scores = ans.kpi_score[rows[table.kpi_mask[rows]]]
    value, iv = kpi_of(kpi_type, theme_scores)
    removal = (
        removal_impact_from_totals(kpi_type, table.totals, KpiTotals.of(theme_scores))
        if kpi_type and len(theme_scores)
        else None
    )
    n_impact = None
    if kpi_type == "nps":
        n_impact = nps_impact(len(theme_scores), value, table.overall_kpi, table.totals.n)
    driver = None
    fitted = table.fit.drivers.get(info.id) if table.fit and isinstance(info, ThemeInfo) else None
    if fitted is not None:
        driver = DriverOut(
            **driver_term(fitted.effect).model_dump(),
            negative=driver_term(fitted.negative),
            other=driver_term(fitted.other),
        )
    parent = None
    if isinstance(info, ThemeInfo) and info.parent is not None:
        p = catalog.parent(info.parent)
        parent = ParentRef(id=p.id, label=p.label) if p else None
    keywords = list(info.keywords) if isinstance(info, ThemeInfo) else []
    return ThemeStat(
        id=info.id,
        label=info.label,
        keywords=keywords,
        parent=parent,
        count=len(rows),
        share=len(rows) / len(ans) if len(ans) else 0.0,
        sentiment=split_out(sentiment_split(signs)),
        kpi_type=kpi_type,
        nps=value if kpi_type == "nps" else None,
        kpi_mean=value if kpi_type in ("csat", "ces") else None,
        interval=interval_out(iv),
        removal_impact=removal,
        nps_impact=n_impact,
        driver=driver,
        quotes=[],
    )


def labelled(stat: ThemeStat, catalog: ThemeCatalog, language: str | None) -> ThemeStat:
    """`stat` with its label in `language` (tables are computed once, labelled per request)."""
    label = catalog.label(stat.id, language) if catalog.has(stat.id) else stat.label
    return stat if label == stat.label else stat.model_copy(update={"label": label})


def theme_table(
    session: Session,
    tenant_id: str,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    min_driver: int = DEFAULT_MIN_DRIVER,
    cache: TableCache | None = CACHE,
) -> ThemeTable:
    data = tenant_data(session, tenant_id, DATA if cache is not None else None)
    return cached_theme_table(tenant_id, data, catalog, query, min_driver, cache)


def cached_theme_table(
    tenant_id: str,
    data: TenantData,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    min_driver: int,
    cache: TableCache | None,
) -> ThemeTable:
    def make() -> ThemeTable:
        cols = cached_columns(tenant_id, data, query, cache)
        ans, rows = cols.answers, cols.rows
        kpi_type = choose_kpi(ans, query.kpi_type)
        mask = kpi_mask(ans, kpi_type)
        covered = np.zeros(len(ans), dtype=bool)
        covered[cols.pos] = True
        fit = fit_drivers(ans, mask, rows, min_driver)
        table = ThemeTable(ans, kpi_type, mask, rows, int((~covered).sum()), fit, min_driver)
        ids = [t.id for t in catalog.themes] + sorted(t for t in rows if not catalog.has(t))
        for theme_id in ids:
            table.stats[theme_id] = theme_stat(
                table, catalog, catalog.info(theme_id), rows.get(theme_id)
            )
        return table

    key = ("table", tenant_id, data.version, catalog, query, min_driver)
    return cached(tables(cache), key, make)


def sort_stats(stats: Iterable[ThemeStat], sort: Sort) -> list[ThemeStat]:
    """impact: largest |removal impact| first; volume: most answers; sentiment: most negative
    net sentiment first. Ties by answers, then id."""
    items = list(stats)
    if sort == "volume":
        return sorted(items, key=lambda s: (-s.count, s.id))
    if sort == "sentiment":
        return sorted(items, key=lambda s: (s.sentiment.net, -s.count, s.id))
    return sorted(
        items,
        key=lambda s: (s.removal_impact is None, -abs(s.removal_impact or 0.0), -s.count, s.id),
    )


def overall_out(table: ThemeTable) -> OverallKpi:
    return OverallKpi(
        kpi=kpi_summary(table.answers),
        sentiment=split_out(sentiment_split(table.answers.sentiment)),
    )


def driver_model(table: ThemeTable) -> DriverModel | None:
    if table.fit is None or table.kpi_type is None:
        return None
    return DriverModel(
        n=table.fit.n,
        r_squared=table.fit.r_squared,
        min_count=table.fit.min_count,
        terms=table.fit.terms,
        covariance="HC3",
        outcome=OUTCOME[table.kpi_type],
    )
