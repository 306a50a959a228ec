"""Two-proportion tests, Benjamini-Hochberg and trend periods against hand-worked numbers."""

import math

import numpy as np
import pytest

from nlp_service.insights.emerging import benjamini_hochberg, two_proportion_increase
from nlp_service.insights.trends import period_label, period_starts


def test_two_proportion_increase() -> None:
    # 30/100 against 40/400: pooled 70/500 = 0.14; var = 0.14 * 0.86 * (1/100 + 1/400)
    # = 0.001505; z = 0.2 / 0.0387943 = 5.15539; p = 0.5 * erfc(z / sqrt 2)
    t = two_proportion_increase(30, 100, 40, 400)
    assert t.z == pytest.approx(5.15539, abs=1e-4)
    assert t.p_value == pytest.approx(0.5 * math.erfc(5.15539 / math.sqrt(2)), rel=1e-3)
    down = two_proportion_increase(5, 100, 40, 400)  # 5% vs 10%: z < 0, p > 0.5
    assert down.z is not None and down.z < 0 and down.p_value is not None and down.p_value > 0.5
    assert two_proportion_increase(0, 100, 0, 400).p_value is None  # no variance
    assert two_proportion_increase(3, 0, 4, 10).z is None


def test_benjamini_hochberg() -> None:
    # sorted p .01 .03 .04 .20 (m = 4): raw p*m/rank .04 .06 .0533 .20; monotone from the top:
    # .04 .0533 .0533 .20
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.20, None])
    assert q[:4] == pytest.approx([0.04, 0.053333, 0.053333, 0.20], abs=1e-5)
    assert q[4] is None
    assert benjamini_hochberg([None]) == [None]


def test_periods() -> None:
    # 2026-11-26 is a Thursday; its ISO week starts Monday 2026-11-23; Sunday 22 belongs to 16.
    days = np.array(["2026-11-26", "2026-11-23", "2026-11-22", "2026-12-01"], dtype="datetime64[D]")
    weeks = period_starts(days, "week")
    assert [str(d) for d in weeks] == ["2026-11-23", "2026-11-23", "2026-11-16", "2026-11-30"]
    months = period_starts(days, "month")
    assert [period_label(d, "month") for d in months] == ["2026-11"] * 3 + ["2026-12"]
    assert [str(d) for d in period_starts(days, "day")] == [str(d) for d in days]
