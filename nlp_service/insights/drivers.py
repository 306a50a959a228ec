"""Key drivers: one OLS regression of the KPI score on theme x sentiment indicators.

Per theme two 0/1 indicators: the answer mentions the theme negatively (any of its sentences with
the theme is negative), or mentions it otherwise (positive / neutral only). A hygiene theme - one
that only matters when it goes wrong - shows as a large negative `negative` coefficient next to
an `other` coefficient near zero; a single "mentioned" indicator would average the two away.

    score = b0 + sum_t (b_neg[t] * neg[t] + b_oth[t] * oth[t]) + e,   HC3 robust covariance.

Coefficients are KPI points on the score's own scale (NPS 0-10, CSAT 1-5, CES 1-7) relative to
answers without the theme, holding the other themes fixed. A theme's overall `coef` is the
answer-weighted average w_neg * b_neg + w_oth * b_oth of its two terms, tested as a linear
combination in the same fit (so its interval uses the terms' covariance).

Indicators with fewer than `MIN_ESTIMATED` answers are left out of the design (HC3 divides by
1 - leverage, which is 0 for a single answer); those with fewer than `min_count` are estimated but
marked `too_few` - marked, not hidden.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nlp_service.insights.scores import Interval

MIN_ESTIMATED = 3


@dataclass(frozen=True)
class Term:
    coef: float | None
    interval: Interval | None
    p_value: float | None
    n: int
    too_few: bool


@dataclass(frozen=True)
class Driver:
    theme_id: int
    effect: Term  # the answer-weighted average of the two terms
    negative: Term
    other: Term


@dataclass(frozen=True)
class DriverFit:
    n: int
    r_squared: float | None
    terms: int
    min_count: int
    drivers: dict[int, Driver]


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _term(coef: float, low: float, high: float, p: float, n: int, min_count: int) -> Term:
    lo, hi = _finite(low), _finite(high)
    return Term(
        _finite(coef),
        Interval(lo, hi) if lo is not None and hi is not None else None,
        _finite(p),
        n,
        n < min_count,
    )


def _empty(n: int, min_count: int) -> Term:
    return Term(None, None, None, n, n < min_count)


def fit_drivers(
    y: np.ndarray,
    theme_ids: list[int],
    negative: np.ndarray,
    other: np.ndarray,
    min_count: int = 10,
) -> DriverFit | None:
    """`y` (n,) KPI scores; `negative`/`other` (n, k) 0/1 indicators, column j = theme_ids[j].
    None when the outcome has no variance or there are too few answers to fit anything."""
    import statsmodels.api as sm

    y = np.asarray(y, dtype=float)
    neg = np.asarray(negative, dtype=bool)
    oth = np.asarray(other, dtype=bool)
    n = len(y)
    n_neg, n_oth = neg.sum(axis=0).astype(int), oth.sum(axis=0).astype(int)
    columns: list[tuple[int, str]] = []  # (theme index, "neg" | "oth")
    for j in range(len(theme_ids)):
        if n_neg[j] >= MIN_ESTIMATED:
            columns.append((j, "neg"))
        if n_oth[j] >= MIN_ESTIMATED:
            columns.append((j, "oth"))
    if n < len(columns) + 2 or float(np.var(y)) == 0.0:
        return None
    x = np.ones((n, len(columns) + 1))
    for c, (j, kind) in enumerate(columns, start=1):
        x[:, c] = (neg if kind == "neg" else oth)[:, j]
    with np.errstate(all="ignore"):
        res = sm.OLS(y, x).fit(cov_type="HC3")
        conf = np.asarray(res.conf_int(0.05))
        params, pvalues = np.asarray(res.params), np.asarray(res.pvalues)
    where = {col: c for c, col in enumerate(columns, start=1)}
    drivers: dict[int, Driver] = {}
    for j, theme_id in enumerate(theme_ids):
        terms: dict[str, Term] = {}
        for kind, count in (("neg", int(n_neg[j])), ("oth", int(n_oth[j]))):
            c = where.get((j, kind))
            terms[kind] = (
                _empty(count, min_count)
                if c is None
                else _term(params[c], conf[c, 0], conf[c, 1], pvalues[c], count, min_count)
            )
        total = int(n_neg[j] + n_oth[j])
        weights = np.zeros(x.shape[1])
        for kind, count in (("neg", int(n_neg[j])), ("oth", int(n_oth[j]))):
            if (j, kind) in where:
                weights[where[(j, kind)]] = count
        if weights.sum() > 0:
            weights /= weights.sum()
            with np.errstate(all="ignore"):
                test = res.t_test(weights.reshape(1, -1))
                low, high = np.asarray(test.conf_int(0.05))[0]
                effect = _term(
                    float(np.asarray(test.effect)[0]),
                    low,
                    high,
                    float(test.pvalue),
                    total,
                    min_count,
                )
        else:
            effect = _empty(total, min_count)
        drivers[theme_id] = Driver(theme_id, effect, terms["neg"], terms["oth"])
    r2 = _finite(float(res.rsquared))
    return DriverFit(n, r2, len(columns), min_count, drivers)
