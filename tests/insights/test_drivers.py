"""The driver regression (OLS, HC3) against closed-form numbers.

With one theme whose two indicators (negative / other) split the answers into three disjoint
groups, OLS gives group means: b0 = mean(none), b_neg = mean(neg) - mean(none), b_oth likewise.
Every answer of group g has leverage 1/n_g, so HC3 gives Var(mean_g) = s_g^2 / (n_g - 1), and
the groups are independent. Intervals are normal (statsmodels' robust covariance default).
"""

import math

import numpy as np
import pytest

from nlp_service.insights.drivers import fit_drivers

Z = 1.959964

# none: 9, 10, 8, 9 (mean 9, s^2 2/3); negative: 2, 4, 3 (mean 3, s^2 1); other: 8, 9, 10 (9, 1)
Y = np.array([9, 10, 8, 9, 2, 4, 3, 8, 9, 10], dtype=float)
NEG = np.array([[0], [0], [0], [0], [1], [1], [1], [0], [0], [0]], dtype=bool)
OTH = np.array([[0], [0], [0], [0], [0], [0], [0], [1], [1], [1]], dtype=bool)


def test_hygiene_theme_shows_in_its_negative_term() -> None:
    fit = fit_drivers(Y, [7], NEG, OTH, min_count=3)
    assert fit is not None and fit.n == 10 and fit.terms == 2
    d = fit.drivers[7]
    var_none = (2 / 3) / 3
    var_neg = 1 / 2 + var_none  # 0.72222
    assert d.negative.coef == pytest.approx(-6.0)
    assert d.negative.interval is not None
    half = Z * math.sqrt(var_neg)  # 1.665649
    assert d.negative.interval.low == pytest.approx(-6 - half, abs=1e-4)
    assert d.negative.interval.high == pytest.approx(-6 + half, abs=1e-4)
    assert d.negative.p_value == pytest.approx(math.erfc(6 / math.sqrt(var_neg) / math.sqrt(2)))
    assert d.other.coef == pytest.approx(0.0, abs=1e-9)
    assert d.other.p_value == pytest.approx(1.0)
    # Weighted effect 0.5 * -6 + 0.5 * 0 = -3; Var = 0.25 (Var_neg + Var_oth) + 0.5 Var(b0)
    var_effect = 0.25 * (2 * var_neg) + 0.5 * var_none  # 0.47222
    assert d.effect.coef == pytest.approx(-3.0)
    assert d.effect.interval is not None
    assert d.effect.interval.high == pytest.approx(-3 + Z * math.sqrt(var_effect), abs=1e-4)
    assert d.effect.n == 6 and not d.effect.too_few


def test_small_drivers_are_marked_not_hidden() -> None:
    fit = fit_drivers(Y, [7], NEG, OTH, min_count=10)
    assert fit is not None
    d = fit.drivers[7]
    assert d.negative.too_few and d.negative.coef == pytest.approx(-6.0)
    # an indicator with fewer than 3 answers is not estimated, but still reported
    neg2 = NEG.copy()
    neg2[5:7] = False
    fit2 = fit_drivers(Y, [7], neg2, OTH, min_count=10)
    assert fit2 is not None
    assert fit2.drivers[7].negative.coef is None and fit2.drivers[7].negative.n == 1
    assert fit2.drivers[7].negative.too_few


def test_no_variance_no_fit() -> None:
    assert fit_drivers(np.full(10, 9.0), [7], NEG, OTH) is None


def test_sparse_hc3_equals_statsmodels() -> None:
    """The sparse OLS + HC3 gives statsmodels' numbers (coefficients, intervals, p-values, and
    the linear combination's t_test)."""
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    n, k = 400, 5
    neg = rng.random((n, k)) < 0.12
    oth = (rng.random((n, k)) < 0.15) & ~neg
    y = 7 - 2.5 * neg[:, 0] + 0.8 * oth[:, 1] - 1.2 * neg[:, 2] + rng.normal(0, 1.5, n)
    ids = list(range(10, 10 + k))
    fit = fit_drivers(y, ids, neg, oth, min_count=10)
    assert fit is not None and fit.terms == 2 * k
    x = np.column_stack([np.ones(n)] + [m[:, j] for j in range(k) for m in (neg, oth)])
    ref = sm.OLS(y, x.astype(float)).fit(cov_type="HC3")
    conf = np.asarray(ref.conf_int(0.05))
    for j, theme_id in enumerate(ids):
        for kind, c in (("negative", 1 + 2 * j), ("other", 2 + 2 * j)):
            term = getattr(fit.drivers[theme_id], kind)
            assert term.coef == pytest.approx(ref.params[c], rel=1e-8)
            assert term.interval.low == pytest.approx(conf[c, 0], rel=1e-6)
            assert term.p_value == pytest.approx(ref.pvalues[c], rel=1e-6, abs=1e-12)
        w = np.zeros(1 + 2 * k)
        w[1 + 2 * j], w[2 + 2 * j] = neg[:, j].sum(), oth[:, j].sum()
        test = ref.t_test((w / w.sum()).reshape(1, -1))
        effect = fit.drivers[theme_id].effect
        assert effect.coef == pytest.approx(float(np.asarray(test.effect)[0]), rel=1e-8)
        assert effect.interval.high == pytest.approx(
            np.asarray(test.conf_int(0.05))[0, 1], rel=1e-6
        )
    assert fit.r_squared == pytest.approx(ref.rsquared, rel=1e-8)
    # the planted effects come out where they were put
    assert fit.drivers[10].negative.interval.high < 0 < fit.drivers[11].other.interval.low
