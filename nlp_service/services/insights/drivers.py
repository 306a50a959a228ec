"""The driver regression of a selection: the KPI on each theme's presence, split by the
theme's sign in the answer (`nlp_service.insights.drivers`), and its terms as returned."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from nlp_service.insights import drivers as drv
from nlp_service.schemas_insights import DriverTerm
from nlp_service.services.insights.outputs import interval_out
from nlp_service.services.insights.selection import ThemeRow
from nlp_service.store.insights import AnswerColumns


def fit_drivers(
    ans: AnswerColumns, kpi_mask: np.ndarray, rows: dict[int, ThemeRow], min_count: int
) -> drv.DriverFit | None:
    kpi_rows = np.flatnonzero(kpi_mask)
    if len(kpi_rows) < 3 or not rows:
        return None
    where = np.full(len(ans), -1)
    where[kpi_rows] = np.arange(len(kpi_rows))
    ids = sorted(rows)
    # All themes' answers at once: column j = ids[j], split by the theme's sign in the answer.
    at = where[np.concatenate([rows[t].rows for t in ids])]
    signs = np.concatenate([rows[t].signs for t in ids])
    column = np.repeat(np.arange(len(ids)), [len(rows[t].rows) for t in ids])
    shape = (len(kpi_rows), len(ids))

    def indicator(negative: bool) -> sparse.csc_matrix:
        keep = (at >= 0) & ((signs < 0) if negative else (signs >= 0))
        return sparse.csc_matrix((np.ones(int(keep.sum())), (at[keep], column[keep])), shape=shape)

    return drv.fit_drivers(
        ans.kpi_score[kpi_rows], ids, indicator(True), indicator(False), min_count
    )


def driver_term(t: drv.Term) -> DriverTerm:
    return DriverTerm(
        coef=t.coef, interval=interval_out(t.interval), p_value=t.p_value, n=t.n, too_few=t.too_few
    )
