"""Key drivers: one OLS regression of the KPI score on theme x sentiment indicators.

Per theme two 0/1 indicators: the answer mentions the theme negatively (any of its sentences with
the theme is negative), or mentions it otherwise (positive / neutral only). A hygiene theme - one
that only matters when it goes wrong - shows as a large negative `negative` coefficient next to
an `other` coefficient near zero; a single "mentioned" indicator would average the two away.

    score = b0 + sum_t (b_neg[t] * neg[t] + b_oth[t] * oth[t]) + e,   HC3 robust covariance
(computed on the sparse design, `ols_hc3`; equal to statsmodels' OLS HC3, checked in the tests).
Themes that always co-occur make the design rank-deficient; the pseudo-inverse then gives the
minimum-norm fit (as statsmodels does) and wide intervals.

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
from typing import Any

import numpy as np
from scipy import sparse

from nlp_service.insights.scores import Z95, Interval

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


@dataclass(frozen=True)
class OlsHc3:
    params: np.ndarray
    cov: np.ndarray  # HC3 sandwich covariance
    r_squared: float | None

    def term(self, weights: np.ndarray) -> tuple[float, float, float, float]:
        """(estimate, 95% low, 95% high, two-sided p) of the linear combination weights @ b."""
        est = float(weights @ self.params)
        var = float(weights @ self.cov @ weights)
        if not math.isfinite(var) or var <= 0:
            return est, math.nan, math.nan, math.nan
        se = math.sqrt(var)
        p = math.erfc(abs(est) / se / math.sqrt(2))  # two-sided normal p-value
        return est, est - Z95 * se, est + Z95 * se, p


Block = tuple[np.ndarray, np.ndarray, np.ndarray]  # rows, (r, w) column indices, (r, w) values

BLOCK_CELLS = 1_000_000  # rows x width^2 per block: bounded memory however wide a row is


def _blocks(x: sparse.csr_matrix) -> list[Block]:
    """The design's rows grouped by their number of non-zeros w (the intercept and a handful
    of theme indicators), each group as dense (r, w) column indices and values, so sums over a
    row's pairs of non-zeros are a few vectorised gathers with no padding."""
    x = x.tocsr()
    per_row = np.diff(x.indptr)
    out: list[Block] = []
    for width in np.unique(per_row).tolist():
        rows = np.flatnonzero(per_row == width)
        step = max(1, BLOCK_CELLS // max(width * width, 1))
        for start in range(0, len(rows), step):
            part = rows[start : start + step]
            at = x.indptr[part][:, None] + np.arange(width)
            out.append((part, x.indices[at].astype(np.int64), x.data[at].astype(float)))
    return out


def _leverage(blocks: list[Block], a: np.ndarray, n: int) -> np.ndarray:
    """h_i = x_i' A x_i for every row: per block, the row's pairs j <= l of non-zeros gathered
    from A (symmetric, so off-diagonal pairs count twice), weighted by their values."""
    h = np.empty(n)
    for rows, c, v in blocks:
        j, k = np.triu_indices(c.shape[1])
        pairs = a[c[:, j], c[:, k]]
        if not (v == 1).all():
            pairs = pairs * v[:, j] * v[:, k]
        h[rows] = pairs @ np.where(j == k, 1.0, 2.0)
    return h


_BLAS: Any = None


def _one_blas_thread() -> Any:
    """A context with BLAS on one thread: the k x k algebra here is small, and a threaded BLAS
    on a busy machine spends hundreds of milliseconds synchronising. The controller (which
    inspects the loaded libraries, tens of milliseconds) is made once."""
    global _BLAS
    if _BLAS is None:
        from threadpoolctl import ThreadpoolController

        _BLAS = ThreadpoolController()
    return _BLAS.limit(limits=1, user_api="blas")


def ols_hc3(y: np.ndarray, x: sparse.csr_matrix) -> OlsHc3:
    """OLS with HC3 errors on a sparse design (what statsmodels' `OLS(y, X).fit(cov_type="HC3")`
    computes - the tests check it against statsmodels - without its dense n x k pseudo-inverse,
    which takes seconds on 100,000 answers): b = pinv(X'X) X'y, leverage h_i = x_i' pinv(X'X) x_i,
    cov = A X' diag(e_i^2 / (1 - h_i)^2) X A with A = pinv(X'X). Every row has a few non-zeros,
    so each leverage is a sum over the row's pairs of non-zeros gathered from A (no n x k dense
    product), linear in the answers. Intervals are normal, as statsmodels' robust covariances
    use by default."""
    x = x.tocsr()
    n = x.shape[0]
    xt = x.T.tocsr()
    with _one_blas_thread():
        xtx = np.asarray((xt @ x).todense(), dtype=float)
        a = np.linalg.pinv(xtx, hermitian=True)
        b = a @ (xt @ y)
        e = y - x @ b
        h = _leverage(_blocks(x), a, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            w = e**2 / (1 - h) ** 2
        # X' diag(w) X: the design with each row scaled by its weight.
        scaled = x.copy()
        scaled.data = scaled.data * np.repeat(w, np.diff(x.indptr))
        meat = np.asarray((xt @ scaled).todense(), dtype=float)
        cov = a @ meat @ a
    sst = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - float((e**2).sum()) / sst if sst > 0 else None
    return OlsHc3(b, cov, r2)


def fit_drivers(
    y: np.ndarray,
    theme_ids: list[int],
    negative: np.ndarray | sparse.spmatrix,
    other: np.ndarray | sparse.spmatrix,
    min_count: int = 10,
) -> DriverFit | None:
    """`y` (n,) KPI scores; `negative`/`other` (n, k) 0/1 indicators, column j = theme_ids[j]
    (dense or scipy sparse). None when the outcome has no variance or there are too few answers
    to fit anything."""
    y = np.asarray(y, dtype=float)
    neg = sparse.csc_matrix(negative, dtype=float)
    oth = sparse.csc_matrix(other, dtype=float)
    n = len(y)
    n_neg, n_oth = np.diff(neg.indptr), np.diff(oth.indptr)
    columns: list[tuple[int, str]] = []  # (theme index, "neg" | "oth")
    rows_of: list[np.ndarray] = [np.arange(n)]  # column 0: the intercept
    for j in range(len(theme_ids)):
        for kind, m, n_kind in (("neg", neg, n_neg), ("oth", oth, n_oth)):
            if n_kind[j] >= MIN_ESTIMATED:
                columns.append((j, kind))
                rows_of.append(m.indices[m.indptr[j] : m.indptr[j + 1]])
    if n < len(columns) + 2 or float(np.var(y)) == 0.0:
        return None
    design = sparse.csr_matrix(
        (
            np.ones(sum(len(r) for r in rows_of)),
            (
                np.concatenate(rows_of),
                np.repeat(np.arange(len(rows_of)), [len(r) for r in rows_of]),
            ),
        ),
        shape=(n, len(rows_of)),
    )
    res = ols_hc3(y, design)
    where = {col: c for c, col in enumerate(columns, start=1)}
    size = len(columns) + 1
    drivers: dict[int, Driver] = {}
    for j, theme_id in enumerate(theme_ids):
        counts = {"neg": int(n_neg[j]), "oth": int(n_oth[j])}
        terms: dict[str, Term] = {}
        weights = np.zeros(size)
        for kind, count in counts.items():
            c = where.get((j, kind))
            if c is None:
                terms[kind] = _empty(count, min_count)
                continue
            unit = np.zeros(size)
            unit[c] = 1.0
            terms[kind] = _term(*res.term(unit), count, min_count)
            weights[c] = count
        total = counts["neg"] + counts["oth"]
        if weights.sum() > 0:
            effect = _term(*res.term(weights / weights.sum()), total, min_count)
        else:
            effect = _empty(total, min_count)
        drivers[theme_id] = Driver(theme_id, effect, terms["neg"], terms["oth"])
    r2 = _finite(res.r_squared) if res.r_squared is not None else None
    return DriverFit(n, r2, len(columns), min_count, drivers)
