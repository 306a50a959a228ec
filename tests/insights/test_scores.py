"""NPS, means, top-2-box, impact, priority and sentiment against numbers worked out by hand."""

import math

import numpy as np
import pytest

from nlp_service.insights.impact import nps_impact, priority, removal_impact
from nlp_service.insights.scores import kpi_value, mean_t, nps, nps_from_counts, sentiment_split


def test_nps_shares_score_and_multinomial_interval() -> None:
    # promoters 10, 9, 10, 9 (4); passives 8, 7 (2); detractors 6, 3, 0, 5 (4); n = 10
    s = nps(np.array([10, 9, 8, 7, 6, 3, 10, 0, 9, 5]))
    assert s is not None
    assert (s.n, s.promoters, s.passives, s.detractors) == (10, 0.4, 0.2, 0.4)
    assert s.score == pytest.approx(0.0)
    # Var(P - D) = (0.4 + 0.4 - 0^2) / 10 = 0.08; 1.959964 * sqrt(0.08) = 0.554362
    assert s.interval is not None
    assert s.interval.low == pytest.approx(-55.4362, abs=1e-3)
    assert s.interval.high == pytest.approx(55.4362, abs=1e-3)


def test_nps_interval_is_clipped_to_the_scale() -> None:
    # P = 4/6, D = 1/6: NPS 50; Var = (5/6 - 1/4) / 6 = 0.0972222; half = 1.959964 * 0.311805
    s = nps(np.array([10, 10, 10, 9, 8, 2]))
    assert s is not None and s.interval is not None
    assert s.score == pytest.approx(50.0)
    assert s.interval.low == pytest.approx(50 - 61.1127, abs=1e-3)
    assert s.interval.high == 100.0


def test_nps_edge_cases() -> None:
    assert nps(np.array([])) is None
    one = nps_from_counts(1, 0, 0)
    assert one is not None and one.score == 100.0 and one.interval is None
    assert nps(np.array([np.nan, 10.0])).n == 1  # type: ignore[union-attr]


def test_mean_with_t_interval_and_top2box() -> None:
    # CSAT 5, 4, 4, 3, 1: mean 3.4; sum of squares 9.2 -> s^2 = 2.3, se = 0.678233;
    # t(0.975, 4) = 2.776445 -> half width 1.883077; top-2-box (4 and 5) = 3/5
    m = mean_t(np.array([5, 4, 4, 3, 1]), top2_from=4)
    assert m is not None and m.interval is not None
    assert m.mean == pytest.approx(3.4)
    assert m.interval.low == pytest.approx(1.516923, abs=1e-5)
    assert m.interval.high == pytest.approx(5.283077, abs=1e-5)
    assert m.top2box == pytest.approx(0.6)
    single = mean_t(np.array([4.0]))
    assert single is not None and single.interval is None


def test_removal_impact_equals_nps_impact_for_nps() -> None:
    scores = np.array([10, 10, 9, 0, 3, 8])
    theme = np.array([False, False, False, True, True, False])
    # all: P 3/6, D 2/6 -> 16.667; without the theme: 10, 10, 9, 8 -> 75; theme: 0, 3 -> -100
    assert kpi_value("nps", scores) == pytest.approx(100 / 6)
    assert removal_impact("nps", scores, theme) == pytest.approx(100 / 6 - 75)
    # 2 * (-100 - 16.667) / (6 - 2) = -58.333
    assert nps_impact(2, -100.0, 100 / 6, 6) == pytest.approx(-58.3333, abs=1e-3)
    assert nps_impact(6, -100.0, 100 / 6, 6) is None


def test_removal_impact_on_a_mean() -> None:
    # CSAT 5, 4, 2, 1: mean 3; without the theme's 2 and 1: 4.5 -> -1.5
    assert removal_impact("csat", np.array([5, 4, 2, 1]), np.array([0, 0, 1, 1])) == -1.5
    # every answer has the theme: nothing left to compare with
    assert removal_impact("csat", np.array([5, 4]), np.array([1, 1])) is None


def test_priority_is_volume_times_gap() -> None:
    # 20 of 100 answers, touchpoint NPS -10 against 5 overall: gap 15, priority 0.2 * 15 = 3
    assert priority(20, 100, -10.0, 5.0) == (pytest.approx(3.0), 15.0)
    assert priority(20, 100, 10.0, 5.0) == (0.0, -5.0)
    assert priority(20, 100, None, 5.0) == (0.0, None)


def test_sentiment_split() -> None:
    s = sentiment_split(np.array([-1, -1, 0, 1]))
    assert (s.positive, s.neutral, s.negative, s.net) == (0.25, 0.25, 0.5, -25.0)
    assert sentiment_split(np.array([])).net == 0.0
    assert not math.isnan(sentiment_split(np.array([0])).net)
