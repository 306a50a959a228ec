"""Emerging themes: did a theme's share of answers rise in a recent window against a baseline?

Per theme a one-sided two-proportion z-test with the pooled variance,
    z = (p1 - p2) / sqrt(p (1 - p) (1 / n1 + 1 / n2)),  p = (x1 + x2) / (n1 + n2),
p-value = 1 - Phi(z); then Benjamini-Hochberg over all themes tested (statsmodels
`multipletests(method="fdr_bh")`). A theme is significant when q < alpha and it has at least
`min_count` answers in the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class ShareTest:
    z: float | None
    p_value: float | None


def two_proportion_increase(x1: int, n1: int, x2: int, n2: int) -> ShareTest:
    """Test of p1 > p2 (window x1/n1 against baseline x2/n2)."""
    if n1 <= 0 or n2 <= 0:
        return ShareTest(None, None)
    pooled = (x1 + x2) / (n1 + n2)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if var <= 0:
        return ShareTest(None, None)
    z = (x1 / n1 - x2 / n2) / math.sqrt(var)
    return ShareTest(z, float(stats.norm.sf(z)))


def benjamini_hochberg(p_values: list[float | None]) -> list[float | None]:
    """BH-adjusted q-values; None stays None and is not counted among the tests."""
    from statsmodels.stats.multitest import multipletests

    tested = [i for i, p in enumerate(p_values) if p is not None]
    out: list[float | None] = [None] * len(p_values)
    if tested:
        q = multipletests(np.array([p_values[i] for i in tested]), method="fdr_bh")[1]
        for i, value in zip(tested, q, strict=True):
            out[i] = float(value)
    return out
