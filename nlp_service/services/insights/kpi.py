"""Which KPI a selection is scored by, and its figures (NPS, CSAT, CES)."""

from __future__ import annotations

import numpy as np

from nlp_service.insights.scores import CSAT_TOP2_FROM, Interval, mean_t, nps
from nlp_service.schemas_insights import KpiSummary
from nlp_service.services.insights.outputs import mean_out, nps_out
from nlp_service.services.insights.query import KPI_TYPES
from nlp_service.store.insights import KPI_CODES, AnswerColumns


def _typed_scores(ans: AnswerColumns, idx: np.ndarray, kpi_type: str) -> np.ndarray:
    scores = ans.kpi_score[idx]
    keep = ans.kpi_code[idx] == KPI_CODES[kpi_type]
    return scores[keep & ~np.isnan(scores)]


def kpi_summary(ans: AnswerColumns, idx: np.ndarray | None = None) -> KpiSummary:
    idx = np.arange(len(ans)) if idx is None else idx
    return KpiSummary(
        nps=nps_out(nps(_typed_scores(ans, idx, "nps"))),
        csat=mean_out(mean_t(_typed_scores(ans, idx, "csat"), CSAT_TOP2_FROM)),
        ces=mean_out(mean_t(_typed_scores(ans, idx, "ces"))),
    )


def choose_kpi(ans: AnswerColumns, requested: str | None) -> str | None:
    if requested is not None:
        return requested
    counts = np.bincount(ans.kpi_code.astype(np.int64), minlength=len(KPI_CODES) + 1)
    if counts[1:].sum() == 0:
        return None
    # Most answers; ties broken by the fixed order nps, csat, ces.
    return max(KPI_TYPES, key=lambda k: (counts[KPI_CODES[k]], -KPI_TYPES.index(k)))


def kpi_mask(ans: AnswerColumns, kpi_type: str | None) -> np.ndarray:
    if kpi_type is None:
        return np.zeros(len(ans), dtype=bool)
    return (ans.kpi_code == KPI_CODES[kpi_type]) & ~np.isnan(ans.kpi_score)


def kpi_of(kpi_type: str | None, scores: np.ndarray) -> tuple[float | None, Interval | None]:
    if kpi_type is None or len(scores) == 0:
        return None, None
    if kpi_type == "nps":
        s = nps(scores)
        return (s.score, s.interval) if s else (None, None)
    m = mean_t(scores)
    return (m.mean, m.interval) if m else (None, None)
