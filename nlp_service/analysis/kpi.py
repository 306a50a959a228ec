"""KPI scales that precede the open question: NPS 0-10, CSAT 1-5, CES 1-7."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from nlp_service.errors import InvalidInput


class KpiType(StrEnum):
    NPS = "nps"
    CSAT = "csat"
    CES = "ces"


@dataclass(frozen=True)
class Scale:
    low: int
    high: int


SCALES: dict[KpiType, Scale] = {
    KpiType.NPS: Scale(0, 10),
    KpiType.CSAT: Scale(1, 5),
    KpiType.CES: Scale(1, 7),
}


@dataclass(frozen=True)
class Kpi:
    type: KpiType
    score: float
    group: str  # nps: detractor|passive|promoter; csat/ces: negative|neutral|positive
    normalized: float  # 0 = worst, 1 = best on every scale

    def to_dict(self) -> dict[str, object]:
        return {
            "type": self.type.value,
            "score": self.score,
            "group": self.group,
            "normalized": self.normalized,
        }


def _group(kpi_type: KpiType, score: float) -> str:
    if kpi_type is KpiType.NPS:
        return "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"
    if kpi_type is KpiType.CSAT:  # 4-5 satisfied (top-2-box), 3 neutral, 1-2 dissatisfied
        return "negative" if score <= 2 else "neutral" if score < 4 else "positive"
    # CES 1-7 agreement with "the company made it easy": 5-7 easy, 4 neutral, 1-3 hard.
    return "negative" if score <= 3 else "neutral" if score < 5 else "positive"


def parse_kpi(kpi_type: object, score: object, *, field: str = "kpi") -> Kpi:
    """Validate a KPI and derive its group and [0, 1] normalisation; raises InvalidInput."""
    try:
        ktype = KpiType(str(kpi_type).lower())
    except ValueError:
        allowed = ", ".join(t.value for t in KpiType)
        raise InvalidInput(
            f"unknown KPI type {kpi_type!r}; expected one of {allowed}", field=f"{field}.type"
        ) from None
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise InvalidInput(f"KPI score must be a number, got {score!r}", field=f"{field}.score")
    value = float(score)
    scale = SCALES[ktype]
    if not math.isfinite(value) or not scale.low <= value <= scale.high:
        raise InvalidInput(
            f"{ktype.value.upper()} score {score!r} is outside its scale {scale.low}-{scale.high}",
            field=f"{field}.score",
        )
    if not value.is_integer():
        raise InvalidInput(
            f"{ktype.value.upper()} score must be a whole number, got {score!r}",
            field=f"{field}.score",
        )
    normalized = (value - scale.low) / (scale.high - scale.low)
    return Kpi(ktype, value, _group(ktype, value), round(normalized, 6))
