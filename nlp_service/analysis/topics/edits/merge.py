"""Edits that remove themes: merge (into one of them) and retire. On a replay, a refit's new
emergent theme that is a removed theme found again (by its recorded centroid) goes the same way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from nlp_service.analysis.topics.centroids import normalize_rows
from nlp_service.analysis.topics.edits.params import theme_id_param, vector_param
from nlp_service.analysis.topics.edits.reasons import conflict, gone
from nlp_service.analysis.topics.edits.rebuild import protected, rebuild
from nlp_service.analysis.topics.edits.records import MAX_EXAMPLES, Outcome, Res, snapshot
from nlp_service.analysis.topics.model import TopicModel
from nlp_service.analysis.topics.themes import RetiredTheme
from nlp_service.errors import InvalidInput


def rediscovered(
    model: TopicModel, centroid: np.ndarray, exclude: set[int], similarity: float
) -> list[int]:
    """Unreviewed emergent themes (status `new`) at least `similarity` close to `centroid`."""
    out = []
    for row, theme in enumerate(model.themes_):
        if theme.id in exclude or theme.source != "emergent" or theme.status != "new":
            continue
        if float(model.centroids[row] @ centroid) >= similarity:
            out.append(theme.id)
    return out


def retire(
    model: TopicModel,
    p: dict[str, Any],
    history: Mapping[int, str],
    similarity: float,
    replaying: bool,
) -> Res:
    theme_id = theme_id_param(p, "theme_id")
    if not replaying and theme_id not in model.by_id:
        return model, conflict(p, gone(model, theme_id, history))
    dim = model.centroids.shape[1]
    targets = [theme_id] if theme_id in model.by_id else []
    if not targets and "centroid" in p:
        centroid = vector_param(p["centroid"], dim, "centroid")
        targets = rediscovered(model, centroid, set(), similarity)
    if not targets:
        return model, Outcome("honoured", "already gone", p, {}, {}, False)
    if theme_id in model.by_id:
        p = {**p, "centroid": [round(float(v), 6) for v in model.centroid_of(theme_id)]}
    keep = [i for i, t in enumerate(model.themes_) if t.id not in targets]
    retired = list(model.retired)
    retired += [RetiredTheme(t, model.by_id[t].label, model.version) for t in targets]
    out = rebuild(model, [model.themes_[i] for i in keep], model.centroids[keep], retired=retired)
    reason = None if theme_id in targets else f"retired theme {targets} found again by the refit"
    before = snapshot(model.by_id[targets[0]])
    return out, Outcome("honoured", reason, p, before, {}, True)


def merge(
    model: TopicModel,
    p: dict[str, Any],
    history: Mapping[int, str],
    similarity: float,
    replaying: bool,
) -> Res:
    ids = p.get("theme_ids")
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids) or len(ids) < 2:
        raise InvalidInput("theme_ids must list at least two theme ids", field="theme_ids")
    if len(set(ids)) != len(ids):
        raise InvalidInput("theme_ids must not repeat an id", field="theme_ids")
    into = theme_id_param(p, "into")
    if into not in ids:
        raise InvalidInput("into must be one of theme_ids", field="into")
    if into not in model.by_id:
        return model, conflict(p, gone(model, into, history), "into")
    absorbed = [i for i in ids if i != into]
    dim = model.centroids.shape[1]
    recorded = p.get("absorbed") or {}
    stored = {int(k): vector_param(v, dim, "absorbed") for k, v in recorded.items()}
    present = [i for i in absorbed if i in model.by_id]
    missing = [i for i in absorbed if i not in model.by_id]
    if missing and not replaying:
        return model, conflict(p, gone(model, missing[0], history), "theme_ids")
    found: list[int] = []
    for i in missing:
        if i in stored:
            exclude = {into, *present, *found}
            found += rediscovered(model, stored[i], exclude, similarity)
    targets = present + found
    if not targets:
        return model, Outcome("honoured", "already merged", p, {}, {}, False)
    record = dict(p.get("absorbed") or {})
    record.update({str(i): [round(float(v), 6) for v in model.centroid_of(i)] for i in present})
    p = {**p, "absorbed": record}
    group = [into, *targets]
    rows = [model.row_of(i) for i in group]
    sizes = np.array([model.by_id[i].size for i in group], dtype=np.float64)
    weights = sizes if sizes.sum() > 0 else np.ones(len(group))
    centroid = normalize_rows((weights[:, None] * model.centroids[rows]).sum(axis=0)[None, :])[0]
    old = model.by_id[into]
    examples = tuple(dict.fromkeys(x for i in group for x in model.by_id[i].examples))
    new = replace(old, size=int(sizes.sum()), examples=examples[:MAX_EXAMPLES],
                  source=protected(old.source), status="active")  # fmt: skip
    keep = [i for i, t in enumerate(model.themes_) if t.id not in targets]
    cents = model.centroids.copy()
    cents[rows[0]] = centroid
    themes = [new if model.themes_[i].id == into else model.themes_[i] for i in keep]
    retired = [*model.retired, *(RetiredTheme(i, model.by_id[i].label, model.version)
                                 for i in targets)]  # fmt: skip
    out = rebuild(model, themes, cents[keep], retired=retired)
    before = {"themes": [snapshot(model.by_id[i]) for i in group]}
    reason = f"merged theme(s) {found} found again by the refit" if found else None
    return out, Outcome("honoured", reason, p, before, {"theme": snapshot(new)}, True)
