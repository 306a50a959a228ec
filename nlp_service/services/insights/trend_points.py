"""A selection's figures per day, week or month (the trends view and a theme's trend)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from nlp_service.insights.trends import Granularity, period_label, period_starts
from nlp_service.schemas_insights import TrendPoint
from nlp_service.services.insights.kpi import kpi_mask, kpi_of
from nlp_service.services.insights.selection import ThemeRow
from nlp_service.store.insights import AnswerColumns


def trend_points(
    ans: AnswerColumns,
    kpi_type: str | None,
    row: ThemeRow | None,
    interval: Granularity,
    whole: bool,
) -> list[TrendPoint]:
    """Per period: all answers, answers counted (with the theme, or all when `whole`), their
    share, net sentiment (the theme's, or the answers') and KPI."""
    if len(ans) == 0:
        return []
    periods, period_of = np.unique(period_starts(ans.day, interval), return_inverse=True)
    k = len(periods)
    if whole:
        rows, signs = np.arange(len(ans)), ans.sentiment
    elif row is None:
        rows, signs = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8)
    else:
        rows, signs = row.rows, row.signs
    totals = np.bincount(period_of, minlength=k)
    p = period_of[rows]
    counts = np.bincount(p, minlength=k)
    positive = np.bincount(p, weights=signs > 0, minlength=k)
    negative = np.bincount(p, weights=signs < 0, minlength=k)
    mask = kpi_mask(ans, kpi_type)
    scored = rows[mask[rows]]
    # The counted answers with the KPI, grouped per period (a stable sort keeps them in order).
    scored = scored[np.argsort(period_of[scored], kind="stable")]
    bounds = np.searchsorted(period_of[scored], np.arange(k + 1))
    points = []
    for i, start in enumerate(periods):
        n = int(counts[i])
        scores = ans.kpi_score[scored[bounds[i] : bounds[i + 1]]]
        value, _ = kpi_of(kpi_type, scores)
        net = None
        if n:
            net = 100 * (float(positive[i] / n) - float(negative[i] / n))
        points.append(
            TrendPoint(
                period=period_label(start, interval),
                start=datetime.fromisoformat(str(start)).replace(tzinfo=UTC),
                answers=int(totals[i]),
                count=n,
                share=n / int(totals[i]) if totals[i] else 0.0,
                net_sentiment=net,
                kpi=value,
                kpi_n=len(scores),
            )
        )
    return points
