import math

import pytest

from nlp_service.analysis.kpi import KpiType, parse_kpi
from nlp_service.errors import InvalidInput


@pytest.mark.parametrize(
    ("score", "group"),
    [
        (0, "detractor"),
        (6, "detractor"),
        (7, "passive"),
        (8, "passive"),
        (9, "promoter"),
        (10, "promoter"),
    ],
)
def test_nps_groups(score: int, group: str) -> None:
    kpi = parse_kpi("nps", score)
    assert kpi.type is KpiType.NPS
    assert kpi.group == group
    assert kpi.normalized == pytest.approx(score / 10)


@pytest.mark.parametrize(
    ("kpi_type", "score", "group", "normalized"),
    [
        ("csat", 1, "negative", 0.0),
        ("csat", 3, "neutral", 0.5),
        ("csat", 5, "positive", 1.0),
        ("CES", 1, "negative", 0.0),
        ("ces", 4, "neutral", 0.5),
        ("ces", 7, "positive", 1.0),
    ],
)
def test_csat_and_ces(kpi_type: str, score: int, group: str, normalized: float) -> None:
    kpi = parse_kpi(kpi_type, score)
    assert (kpi.group, kpi.normalized) == (group, normalized)
    assert kpi.to_dict()["type"] == kpi_type.lower()


@pytest.mark.parametrize(
    ("kpi_type", "score", "field"),
    [
        ("nps", 11, "kpi.score"),
        ("nps", -1, "kpi.score"),
        ("csat", 0, "kpi.score"),
        ("ces", 8, "kpi.score"),
        ("nps", 7.5, "kpi.score"),
        ("nps", math.nan, "kpi.score"),
        ("nps", "7", "kpi.score"),
        ("nps", True, "kpi.score"),
        ("nss", 5, "kpi.type"),
        (None, 5, "kpi.type"),
    ],
)
def test_invalid_kpi_names_the_field(kpi_type: object, score: object, field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_kpi(kpi_type, score)
    assert exc.value.field == field
    assert exc.value.message
