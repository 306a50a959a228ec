"""KPI summaries of a set of answers: NPS, means with t intervals, top-2-box, net sentiment.

NPS interval: NPS = 100 * (P - D) with P, D the promoter and detractor shares. With answers drawn
from one multinomial (promoter, passive, detractor), Var(P - D) = (P + D - (P - D)^2) / n; the 95%
interval is the normal (Wald) interval 100 * (P - D +- 1.96 * sqrt(Var)), clipped to [-100, 100].
It needs n >= 2 and is degenerate (zero width) when all answers share one group; both are reported
as they are rather than smoothed, so the figures can be recomputed by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

Z95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True)
class NpsSummary:
    n: int
    score: float  # -100..100
    promoters: float
    passives: float
    detractors: float
    interval: Interval | None


@dataclass(frozen=True)
class MeanSummary:
    n: int
    mean: float
    interval: Interval | None
    top2box: float | None = None


def nps_points(scores: np.ndarray) -> np.ndarray:
    """Per answer: +100 promoter (9-10), 0 passive (7-8), -100 detractor (0-6); NPS = mean."""
    s = np.asarray(scores, dtype=float)
    return np.where(s >= 9, 100.0, np.where(s <= 6, -100.0, 0.0))


def nps_from_counts(promoters: int, passives: int, detractors: int) -> NpsSummary | None:
    n = promoters + passives + detractors
    if n == 0:
        return None
    p, d = promoters / n, detractors / n
    interval = None
    if n >= 2:
        half = Z95 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
        interval = Interval(max(-100.0, 100 * (p - d - half)), min(100.0, 100 * (p - d + half)))
    return NpsSummary(n, 100 * (p - d), p, passives / n, d, interval)


@dataclass(frozen=True)
class KpiTotals:
    """What a set of scores' headline KPI needs: how many, promoters (>= 9), detractors (<= 6)
    and the sum. Totals subtract, so the KPI of "all answers but a theme's" costs no pass over
    all answers (removal impact per theme)."""

    n: int
    promoters: int
    detractors: int
    total: float

    @classmethod
    def of(cls, scores: np.ndarray) -> KpiTotals:
        s = np.asarray(scores, dtype=float)
        s = s[~np.isnan(s)]
        return cls(len(s), int((s >= 9).sum()), int((s <= 6).sum()), float(s.sum()))

    def __sub__(self, other: KpiTotals) -> KpiTotals:
        return KpiTotals(
            self.n - other.n,
            self.promoters - other.promoters,
            self.detractors - other.detractors,
            self.total - other.total,
        )

    def value(self, kpi_type: str) -> float | None:
        """`kpi_value` of the scores: NPS points (the mean of +100 / 0 / -100, computed as
        100 * (promoters - detractors) / n) or the mean."""
        if self.n <= 0:
            return None
        if kpi_type == "nps":
            return float(100 * (self.promoters - self.detractors)) / self.n
        return self.total / self.n


def nps(scores: np.ndarray) -> NpsSummary | None:
    s = np.asarray(scores, dtype=float)
    s = s[~np.isnan(s)]
    return nps_from_counts(int((s >= 9).sum()), int(((s > 6) & (s < 9)).sum()), int((s <= 6).sum()))


def mean_t(scores: np.ndarray, top2_from: float | None = None) -> MeanSummary | None:
    """Mean with its 95% t interval (n >= 2 and some variance); top-2-box = share >= top2_from."""
    s = np.asarray(scores, dtype=float)
    s = s[~np.isnan(s)]
    n = len(s)
    if n == 0:
        return None
    mean = float(s.mean())
    interval = None
    if n >= 2:
        half = float(stats.t.ppf(0.975, n - 1)) * float(s.std(ddof=1)) / math.sqrt(n)
        interval = Interval(mean - half, mean + half)
    top2 = float((s >= top2_from).mean()) if top2_from is not None else None
    return MeanSummary(n, mean, interval, top2)


# CSAT 1-5: top-2-box is 4 and 5. CES has no top-2-box here (its mean is the headline figure).
CSAT_TOP2_FROM = 4.0


def kpi_value(kpi_type: str, scores: np.ndarray) -> float | None:
    """The headline KPI of a set of scores: NPS points for NPS, the mean otherwise."""
    s = np.asarray(scores, dtype=float)
    s = s[~np.isnan(s)]
    if len(s) == 0:
        return None
    return float(nps_points(s).mean()) if kpi_type == "nps" else float(s.mean())


def kpi_outcome(kpi_type: str, scores: np.ndarray) -> np.ndarray:
    """Per-answer values whose mean is the headline KPI (NPS points, or the score itself)."""
    return nps_points(scores) if kpi_type == "nps" else np.asarray(scores, dtype=float)


@dataclass(frozen=True)
class SentimentSummary:
    positive: float
    neutral: float
    negative: float
    net: float  # 100 * (positive - negative)


def sentiment_split(signs: np.ndarray) -> SentimentSummary:
    """Shares of -1 / 0 / +1 labels and the net sentiment; zeros for no answers."""
    s = np.asarray(signs)
    n = len(s)
    if n == 0:
        return SentimentSummary(0.0, 0.0, 0.0, 0.0)
    pos, neg = float((s > 0).sum() / n), float((s < 0).sum() / n)
    return SentimentSummary(pos, float((s == 0).sum() / n), neg, 100 * (pos - neg))
