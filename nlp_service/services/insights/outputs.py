"""The pure statistics' results as the response models of `schemas_insights`."""

from __future__ import annotations

from nlp_service.insights.scores import Interval, MeanSummary, NpsSummary, SentimentSummary
from nlp_service.schemas_insights import Interval as IntervalOut
from nlp_service.schemas_insights import MeanOut, NpsOut, SentimentSplit


def interval_out(iv: Interval | None) -> IntervalOut | None:
    return IntervalOut(low=iv.low, high=iv.high) if iv is not None else None


def nps_out(s: NpsSummary | None) -> NpsOut | None:
    if s is None:
        return None
    return NpsOut(
        n=s.n,
        score=s.score,
        promoters=s.promoters,
        passives=s.passives,
        detractors=s.detractors,
        interval=interval_out(s.interval),
    )


def mean_out(s: MeanSummary | None) -> MeanOut | None:
    if s is None:
        return None
    return MeanOut(n=s.n, mean=s.mean, interval=interval_out(s.interval), top2box=s.top2box)


def split_out(s: SentimentSummary) -> SentimentSplit:
    return SentimentSplit(positive=s.positive, neutral=s.neutral, negative=s.negative, net=s.net)
