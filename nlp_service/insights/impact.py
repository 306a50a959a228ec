"""How much a theme or a touchpoint moves the KPI.

removal impact (Thematic): KPI(all answers) - KPI(all answers without the theme's answers).
NPS impact (Qualtrics):    count * (theme NPS - overall NPS) / (total - count).
For NPS both equal count * (theme NPS - rest NPS) / total: NPS is the mean of the per-answer
points (+100, 0, -100), so removing the theme's answers shifts it by exactly that amount. They
are reported side by side because readers know them under both names.

Touchpoint priority: the overall KPI points a touchpoint costs,
    priority = answers(tp) / answers(all) * max(0, KPI(all) - KPI(tp)),
i.e. how far the overall KPI would rise if the touchpoint scored the overall level (its volume
times its KPI gap; touchpoints at or above the overall level get 0). KPI in NPS points or the
scale mean; the shares use answers with the chosen KPI.
"""

from __future__ import annotations

import numpy as np

from nlp_service.insights.scores import KpiTotals, kpi_value


def removal_impact(kpi_type: str, scores: np.ndarray, has_theme: np.ndarray) -> float | None:
    """`scores` of all answers with the KPI; `has_theme` marks the theme's answers."""
    s = np.asarray(scores, dtype=float)
    mask = np.asarray(has_theme, dtype=bool)
    overall, rest = kpi_value(kpi_type, s), kpi_value(kpi_type, s[~mask])
    if overall is None or rest is None:
        return None
    return overall - rest


def removal_impact_from_totals(kpi_type: str, overall: KpiTotals, theme: KpiTotals) -> float | None:
    """`removal_impact` from the totals of all answers with the KPI and of the theme's."""
    everything, rest = overall.value(kpi_type), (overall - theme).value(kpi_type)
    if everything is None or rest is None:
        return None
    return everything - rest


def nps_impact(
    count: int, theme_nps: float | None, overall_nps: float | None, total: int
) -> float | None:
    if theme_nps is None or overall_nps is None or total - count <= 0:
        return None
    return count * (theme_nps - overall_nps) / (total - count)


def priority(
    answers: int, total: int, kpi: float | None, overall: float | None
) -> tuple[float, float | None]:
    """(priority score, KPI gap = overall - touchpoint); 0 without a KPI."""
    if kpi is None or overall is None or total <= 0:
        return 0.0, None
    gap = overall - kpi
    return answers / total * max(0.0, gap), gap
