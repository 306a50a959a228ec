"""Response models of the researcher insights (`/v1/insights/...`), with OpenAPI examples.

Conventions shared by every insights response:
- Counts are answers (`kind = answer`), never segments; an answer counts once for a theme when any
  of its sentences carries it; hidden (moderated) answers never count.
- `kpi_type` is the KPI the statistics use: the `kpi_type` filter, else the type most answers in
  the selection carry. NPS is in points (-100..100); CSAT (1-5) and CES (1-7) are means on their
  scale. Answers of another KPI type (or none) count for volume and sentiment, not for the KPI.
- Every interval is a 95% interval `{"low", "high"}`; `null` when it cannot be computed (too few
  answers). Shares are fractions (0..1); net sentiment is 100 * (positive - negative) / answers.
- `?format=csv` returns the main table of a response as CSV instead of JSON.

Endpoints (all GET, role research or admin; filters touchpoint, survey_id, question_id, language,
from, to, kpi_type on every one):
  /v1/insights/touchpoints                         -> TouchpointsOut
  /v1/insights/themes?sort=impact|volume|sentiment -> ThemesOut
  /v1/insights/themes/{id}  (id or p<parent id>)   -> ThemeDetailOut (quote_cursor, quote_limit)
  /v1/insights/trends?theme=&interval=day|week|month -> TrendsOut
  /v1/insights/emerging?window=7d&baseline=90d&alpha=0.05&min_count=5 -> EmergingOut
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# fmt: off
_IV = {"low": -31.2, "high": -4.9}
_NPS = {"n": 412, "score": -18.0, "promoters": 0.21, "passives": 0.40, "detractors": 0.39,
        "interval": _IV}
_CSAT = {"n": 120, "mean": 3.6, "interval": {"low": 3.4, "high": 3.8}, "top2box": 0.58}
_SENT = {"positive": 0.22, "neutral": 0.31, "negative": 0.47, "net": -25.0}
_REF = {"id": 3, "label": "lieferung verspätet", "count": 96, "net_sentiment": -71.9}
_TERM = {"coef": -2.1, "interval": {"low": -2.9, "high": -1.3}, "p_value": 0.00004, "n": 71,
         "too_few": False}
_QUOTE = {"answer_id": "ans_5b1f0c8e2a7d4c3b9e10", "text": "Die Lieferung kam eine Woche zu spät.",
          "sentiment": "negative", "confidence": 0.83, "language": "de", "touchpoint": "delivery",
          "submitted_at": "2026-11-24T09:30:00Z", "kpi_score": 2.0}
_THEME = {
    "id": 3, "label": "lieferung verspätet", "keywords": ["lieferung", "spät", "paket"],
    "parent": {"id": 1, "label": "lieferung"},
    "count": 96, "share": 0.233, "sentiment": {"positive": 0.04, "neutral": 0.2, "negative": 0.76,
                                               "net": -71.9},
    "kpi_type": "nps", "nps": -54.2, "kpi_mean": None, "interval": {"low": -67.0, "high": -41.4},
    "removal_impact": -8.5, "nps_impact": -8.5,
    "driver": {"coef": -1.9, "interval": {"low": -2.6, "high": -1.2}, "p_value": 0.00001,
               "n": 96, "too_few": False,
               "negative": _TERM,
               "other": {"coef": -0.8, "interval": {"low": -2.1, "high": 0.5}, "p_value": 0.22,
                         "n": 25, "too_few": False}},
    "quotes": [_QUOTE],
}
_FILTERS = {"touchpoint": "delivery", "survey_id": None, "question_id": None, "language": None,
            "from": None, "to": None, "kpi_type": "nps"}
EX_TOUCHPOINTS = {
    "kpi_type": "nps", "filters": {**_FILTERS, "touchpoint": None},
    "overall": {"answers": 1204, "kpi": {"nps": {**_NPS, "n": 1100, "score": 4.0}, "csat": None,
                                         "ces": None},
                "sentiment": {**_SENT, "net": -3.0}},
    "priority_rule": "priority = answers / all answers * max(0, overall KPI - touchpoint KPI) ...",
    "touchpoints": [{
        "touchpoint": "delivery", "answers": 412, "share": 0.342,
        "kpi": {"nps": _NPS, "csat": _CSAT, "ces": None}, "sentiment": _SENT,
        "top_positive_themes": [{**_REF, "id": 9, "label": "freundlicher fahrer", "count": 31,
                                 "net_sentiment": 80.6}],
        "top_negative_themes": [_REF],
        "priority": {"score": 7.5, "rank": 1, "kpi_gap": 22.0},
    }],
}
EX_THEMES = {
    "kpi_type": "nps", "filters": _FILTERS, "sort": "impact", "answers": 412,
    "answers_with_kpi": 412, "answers_without_theme": 37,
    "overall": {"kpi": _NPS, "sentiment": _SENT},
    "driver_model": {"n": 412, "r_squared": 0.31, "min_count": 10, "terms": 24,
                     "covariance": "HC3", "outcome": "KPI score on its scale (NPS 0-10)"},
    "themes": [_THEME],
}
_TREND = {"period": "2026-11-16", "start": "2026-11-16T00:00:00Z", "answers": 88, "count": 21,
          "share": 0.239, "net_sentiment": -61.9, "kpi": -42.9, "kpi_n": 21}
EX_THEME_DETAIL = {
    **EX_THEMES, "theme": _THEME,
    "children": [],
    "trend": {"interval": "week", "points": [_TREND]},
    "kpi_distribution": [{"score": 0.0, "count": 4}, {"score": 2.0, "count": 11},
                         {"score": 9.0, "count": 7}],
    "quotes": {"items": [_QUOTE], "next_cursor": "eyJvIjogMjB9"},
}
del EX_THEME_DETAIL["themes"], EX_THEME_DETAIL["sort"]
EX_TRENDS = {"kpi_type": "nps", "filters": _FILTERS, "theme": {"id": 3, "label":
             "lieferung verspätet"}, "interval": "week", "points": [_TREND]}
EX_EMERGING = {
    "filters": _FILTERS, "window": {"start": "2026-11-19T00:00:00Z", "end": "2026-11-26T00:00:00Z",
                                    "answers": 240},
    "baseline": {"start": "2026-08-21T00:00:00Z", "end": "2026-11-19T00:00:00Z", "answers": 3100},
    "alpha": 0.05, "min_count": 5, "test": "one-sided two-proportion z-test, Benjamini-Hochberg",
    "model_version": "20261124-093000-a1b2c3",
    "themes": [{"id": 17, "label": "app stürzt ab", "window_count": 31, "window_share": 0.129,
                "baseline_count": 62, "baseline_share": 0.02, "ratio": 6.45, "z": 9.8,
                "p_value": 1e-22, "q_value": 6e-21, "significant": True, "new": True}],
    "new_themes": [{"id": 17, "label": "app stürzt ab"}],
}
# fmt: on


def _examples(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


KpiTypeName = Literal["nps", "csat", "ces"]


class Interval(BaseModel):
    low: float
    high: float


class NpsOut(BaseModel):
    n: int = Field(description="Answers with an NPS score.")
    score: float = Field(description="NPS = 100 * (promoter share - detractor share).")
    promoters: float
    passives: float
    detractors: float
    interval: Interval | None = Field(
        description="95% interval: normal approximation with the multinomial variance of "
        "P - D, i.e. (P + D - (P - D)^2) / n, on the NPS scale."
    )


class MeanOut(BaseModel):
    n: int
    mean: float
    interval: Interval | None = Field(description="95% t interval of the mean.")
    top2box: float | None = Field(
        None, description="CSAT only: share of 4 and 5 (satisfied); null for CES."
    )


class KpiSummary(BaseModel):
    nps: NpsOut | None = None
    csat: MeanOut | None = None
    ces: MeanOut | None = None


class SentimentSplit(BaseModel):
    positive: float = Field(description="Share of answers (0..1).")
    neutral: float
    negative: float
    net: float = Field(description="100 * (positive - negative), -100..100.")


class Filters(BaseModel):
    """The filters the response was computed with (echoed back)."""

    model_config = ConfigDict(populate_by_name=True)
    touchpoint: str | None = None
    survey_id: str | None = None
    question_id: str | None = None
    language: str | None = None
    since: datetime | None = Field(None, alias="from", serialization_alias="from")
    until: datetime | None = Field(None, alias="to", serialization_alias="to")
    kpi_type: KpiTypeName | None = None


class ThemeRef(BaseModel):
    id: int
    label: str
    count: int = Field(description="Answers carrying the theme.")
    net_sentiment: float = Field(description="Net sentiment of the theme's sentences, per answer.")


class Priority(BaseModel):
    score: float = Field(description="Overall KPI points this touchpoint costs (see rule).")
    rank: int = Field(description="1 = highest priority.")
    kpi_gap: float | None = Field(description="Overall KPI - touchpoint KPI (positive = worse).")


class Overall(BaseModel):
    answers: int
    kpi: KpiSummary
    sentiment: SentimentSplit


class TouchpointRow(BaseModel):
    touchpoint: str | None = Field(description="null groups answers without a touchpoint.")
    answers: int
    share: float
    kpi: KpiSummary
    sentiment: SentimentSplit
    top_positive_themes: list[ThemeRef]
    top_negative_themes: list[ThemeRef]
    priority: Priority


class TouchpointsOut(BaseModel):
    model_config = _examples(EX_TOUCHPOINTS)
    kpi_type: KpiTypeName | None = Field(description="The KPI the priority uses.")
    filters: Filters
    overall: Overall
    priority_rule: str
    touchpoints: list[TouchpointRow] = Field(description="Highest priority first.")


class DriverTerm(BaseModel):
    coef: float | None = Field(description="KPI points (on its scale) vs. answers without it.")
    interval: Interval | None
    p_value: float | None
    n: int = Field(description="Answers with this indicator.")
    too_few: bool = Field(description="Fewer answers than the driver minimum: estimate unstable.")


class DriverOut(DriverTerm):
    """The theme's effect in one OLS regression (HC3 errors) of the KPI score on two indicators
    per theme: mentioned negatively, mentioned otherwise. `coef` is their answer-weighted average
    (a linear combination tested in the same model); `negative` shows hygiene themes, which only
    move the KPI when mentioned negatively."""

    negative: DriverTerm
    other: DriverTerm


class QuoteOut(BaseModel):
    answer_id: str
    text: str = Field(description="The sentence carrying the theme (always redacted).")
    sentiment: str
    confidence: float | None = Field(description="Cosine of the sentence to the theme centre.")
    language: str | None
    touchpoint: str | None
    submitted_at: datetime
    kpi_score: float | None


class ParentRef(BaseModel):
    id: int
    label: str


class ThemeStat(BaseModel):
    id: int
    label: str
    keywords: list[str]
    parent: ParentRef | None = None
    count: int = Field(description="Answers carrying the theme (once per answer).")
    share: float = Field(description="count / answers in the selection.")
    sentiment: SentimentSplit = Field(
        description="Per answer: negative when any of its sentences with the theme is negative, "
        "else positive when any is positive, else neutral."
    )
    kpi_type: KpiTypeName | None
    nps: float | None = Field(description="NPS of the theme's answers (NPS only).")
    kpi_mean: float | None = Field(description="Mean score of the theme's answers (CSAT/CES).")
    interval: Interval | None = Field(description="95% interval of `nps` or `kpi_mean`.")
    removal_impact: float | None = Field(
        description="KPI(all answers) - KPI(all answers without the theme)."
    )
    nps_impact: float | None = Field(
        description="count * (theme NPS - overall NPS) / (total - count) (NPS only)."
    )
    driver: DriverOut | None = Field(description="null when the KPI has no variance.")
    quotes: list[QuoteOut] = Field(
        description="Sentences closest to the theme centre; never hidden answers; in the "
        "language filter when given."
    )


class DriverModel(BaseModel):
    n: int = Field(description="Answers in the regression (those with the KPI).")
    r_squared: float | None
    min_count: int
    terms: int = Field(description="Indicators estimated (those with >= 3 answers).")
    covariance: str
    outcome: str


class OverallKpi(BaseModel):
    kpi: KpiSummary
    sentiment: SentimentSplit


class ThemesOut(BaseModel):
    model_config = _examples(EX_THEMES)
    kpi_type: KpiTypeName | None
    filters: Filters
    sort: Literal["impact", "volume", "sentiment"]
    answers: int
    answers_with_kpi: int
    answers_without_theme: int
    overall: OverallKpi
    driver_model: DriverModel | None
    themes: list[ThemeStat]


class TrendPoint(BaseModel):
    period: str = Field(description="Day (2026-11-24), ISO week start (Monday) or month (2026-11).")
    start: datetime
    answers: int = Field(description="All answers in the period (the share's denominator).")
    count: int = Field(description="Answers with the theme (all answers without a theme filter).")
    share: float
    net_sentiment: float | None
    kpi: float | None = Field(description="NPS or mean of the counted answers with the KPI.")
    kpi_n: int


class Trend(BaseModel):
    interval: Literal["day", "week", "month"]
    points: list[TrendPoint]


class KpiBucket(BaseModel):
    score: float
    count: int


class QuotePage(BaseModel):
    items: list[QuoteOut]
    next_cursor: str | None


class ThemeDetailOut(BaseModel):
    model_config = _examples(EX_THEME_DETAIL)
    kpi_type: KpiTypeName | None
    filters: Filters
    answers: int
    answers_with_kpi: int
    answers_without_theme: int
    overall: OverallKpi
    driver_model: DriverModel | None
    theme: ThemeStat
    children: list[ThemeStat] = Field(
        description="For a parent theme (`/themes/p<id>`): its child themes' statistics."
    )
    trend: Trend
    kpi_distribution: list[KpiBucket] = Field(description="Answers per KPI score (kpi_type).")
    quotes: QuotePage


class TrendsOut(BaseModel):
    model_config = _examples(EX_TRENDS)
    kpi_type: KpiTypeName | None
    filters: Filters
    theme: ParentRef | None
    interval: Literal["day", "week", "month"]
    points: list[TrendPoint]


class Period(BaseModel):
    start: datetime
    end: datetime
    answers: int


class EmergingTheme(BaseModel):
    id: int
    label: str
    window_count: int
    window_share: float
    baseline_count: int
    baseline_share: float
    ratio: float | None = Field(description="window share / baseline share (null: baseline 0).")
    z: float | None
    p_value: float | None = Field(description="One-sided: the share rose.")
    q_value: float | None = Field(description="Benjamini-Hochberg adjusted over all themes.")
    significant: bool = Field(description="q < alpha and window_count >= min_count.")
    new: bool = Field(description="New in the tenant's last refit.")


class EmergingOut(BaseModel):
    model_config = _examples(EX_EMERGING)
    filters: Filters
    window: Period
    baseline: Period
    alpha: float
    min_count: int
    test: str
    model_version: str | None
    themes: list[EmergingTheme] = Field(description="Every theme, significant ones first.")
    new_themes: list[ParentRef]
