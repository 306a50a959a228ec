"""Per touchpoint the themes that pull the KPI down most (the README walkthrough)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from nlp_service.schemas_insights import ThemeStat
from nlp_service.services.insights.caches import CACHE
from nlp_service.services.insights.catalog import ThemeCatalog
from nlp_service.services.insights.loading import tenant_data
from nlp_service.services.insights.query import InsightsQuery
from nlp_service.services.insights.selection import select_columns
from nlp_service.services.insights.theme_table import (
    DEFAULT_MIN_DRIVER,
    cached_theme_table,
    labelled,
)


@dataclass(frozen=True)
class DetractorDriver:
    touchpoint: str | None
    theme: ThemeStat


def detractor_drivers(
    session: Session,
    tenant_id: str,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    top: int = 3,
    min_driver: int = DEFAULT_MIN_DRIVER,
    lang: str | None = None,
) -> list[DetractorDriver]:
    """Per touchpoint the `top` themes that pull the KPI down most (most negative removal
    impact), with their driver coefficient and interval; the README walkthrough prints these."""
    language = query.label_language(lang)
    data = tenant_data(session, tenant_id)
    ans = select_columns(data, query).answers
    present = (ans.text(int(c)) for c in np.unique(ans.touchpoint))
    names = sorted(t for t in present if t is not None)
    if query.touchpoint is not None:
        names = [query.touchpoint]
    out: list[DetractorDriver] = []
    for tp in names:
        sub = InsightsQuery(**{**query.__dict__, "touchpoint": tp})
        table = cached_theme_table(tenant_id, data, catalog, sub, min_driver, CACHE)
        worst = sorted(
            (
                s
                for s in table.stats.values()
                if s.removal_impact is not None and s.removal_impact < 0
            ),
            key=lambda s: (s.removal_impact, s.id),
        )[:top]
        out.extend(DetractorDriver(tp, labelled(s, catalog, language)) for s in worst)
    return out
