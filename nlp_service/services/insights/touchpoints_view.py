"""The touchpoints view: each touchpoint's KPI, sentiment, top themes and priority."""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from nlp_service.insights.impact import priority
from nlp_service.insights.scores import kpi_value, sentiment_split
from nlp_service.schemas_insights import Overall, Priority, ThemeRef, TouchpointRow, TouchpointsOut
from nlp_service.services.insights.caches import CACHE, DATA, TableCache, cached
from nlp_service.services.insights.catalog import ThemeCatalog
from nlp_service.services.insights.kpi import choose_kpi, kpi_mask, kpi_summary
from nlp_service.services.insights.loading import tenant_data
from nlp_service.services.insights.outputs import split_out
from nlp_service.services.insights.query import InsightsQuery
from nlp_service.services.insights.selection import cached_columns
from nlp_service.services.insights.tenant_copy import TenantData

TOP_THEMES = 3
PRIORITY_RULE = (
    "priority = answers with the KPI at the touchpoint / answers with the KPI overall "
    "* max(0, overall KPI - touchpoint KPI): the overall KPI points (NPS points or scale-mean "
    "points) the touchpoint costs, i.e. how far the overall KPI would rise if it scored the "
    "overall level; touchpoints at or above the overall level get 0; ties by answers."
)


def touchpoints(
    session: Session,
    tenant_id: str,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    cache: TableCache | None = CACHE,
    lang: str | None = None,
) -> TouchpointsOut:
    language = query.label_language(lang)
    data = tenant_data(session, tenant_id, DATA if cache is not None else None)
    return cached(
        cache,
        ("touchpoints", tenant_id, data.version, catalog, query, language),
        lambda: _touchpoints(tenant_id, data, catalog, query, language, cache),
    )


def _top_themes(
    catalog: ThemeCatalog,
    language: str | None,
    theme_ids: np.ndarray,
    count: np.ndarray,
    positive: np.ndarray,
    negative: np.ndarray,
) -> tuple[list[ThemeRef], list[ThemeRef]]:
    """A touchpoint's top positive and negative themes (net sentiment x answers) from its
    per-theme answer counts and positive / negative counts."""
    present = np.flatnonzero(count)
    n = count[present]
    net = 100 * (positive[present] / n - negative[present] / n)
    refs = [
        ThemeRef(
            id=int(theme_ids[j]),
            label=catalog.label(int(theme_ids[j]), language),
            count=int(c),
            net_sentiment=float(v),
        )
        for j, c, v in zip(present.tolist(), n.tolist(), net.tolist(), strict=True)
    ]
    top_positive = sorted(
        (r for r in refs if r.net_sentiment > 0),
        key=lambda r: (-r.net_sentiment * r.count, r.id),
    )[:TOP_THEMES]
    top_negative = sorted(
        (r for r in refs if r.net_sentiment < 0),
        key=lambda r: (r.net_sentiment * r.count, r.id),
    )[:TOP_THEMES]
    return top_positive, top_negative


def _touchpoints(
    tenant_id: str,
    data: TenantData,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    language: str | None,
    cache: TableCache | None,
) -> TouchpointsOut:
    cols = cached_columns(tenant_id, data, query, cache)
    ans, links = cols.answers, cols.links
    kpi_type = choose_kpi(ans, query.kpi_type)
    mask = kpi_mask(ans, kpi_type)
    overall_value = kpi_value(kpi_type, ans.kpi_score[mask]) if kpi_type else None
    total_kpi = int(mask.sum())
    present, group = np.unique(ans.touchpoint, return_inverse=True)
    names = [ans.text(int(c)) for c in present]
    # Per (touchpoint, theme): answers, positive and negative ones, in one pass over the pairs.
    theme_ids, theme_of = np.unique(links.theme, return_inverse=True)
    k = max(len(theme_ids), 1)
    cell = group[cols.pos] * k + theme_of
    size = len(names) * k
    count = np.bincount(cell, minlength=size).reshape(len(names), k)
    positive = np.bincount(cell, weights=links.sign > 0, minlength=size).reshape(len(names), k)
    negative = np.bincount(cell, weights=links.sign < 0, minlength=size).reshape(len(names), k)
    by_group = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[by_group], np.arange(len(names) + 1))
    rows: list[tuple[TouchpointRow, float, int]] = []
    for g, tp in enumerate(names):
        idx = by_group[bounds[g] : bounds[g + 1]]
        sub = ans.take(idx)
        top_positive, top_negative = _top_themes(
            catalog, language, theme_ids, count[g], positive[g], negative[g]
        )
        tp_scores = ans.kpi_score[idx][mask[idx]]
        tp_value = kpi_value(kpi_type, tp_scores) if kpi_type else None
        score, gap = priority(len(tp_scores), total_kpi, tp_value, overall_value)
        rows.append(
            (
                TouchpointRow(
                    touchpoint=tp,
                    answers=len(idx),
                    share=len(idx) / len(ans),
                    kpi=kpi_summary(sub),
                    sentiment=split_out(sentiment_split(sub.sentiment)),
                    top_positive_themes=top_positive,
                    top_negative_themes=top_negative,
                    priority=Priority(score=score, rank=0, kpi_gap=gap),
                ),
                score,
                len(idx),
            )
        )
    rows.sort(key=lambda r: (-r[1], -r[2], r[0].touchpoint or ""))
    ranked = [
        r[0].model_copy(update={"priority": r[0].priority.model_copy(update={"rank": i})})
        for i, r in enumerate(rows, start=1)
    ]
    return TouchpointsOut(
        kpi_type=kpi_type,
        filters=query.echo(),
        overall=Overall(
            answers=len(ans),
            kpi=kpi_summary(ans),
            sentiment=split_out(sentiment_split(ans.sentiment)),
        ),
        priority_rule=PRIORITY_RULE,
        touchpoints=ranked,
    )
