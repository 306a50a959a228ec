"""The split edit: one theme into parts of an accepted proposal (their centroids and labels in
the params); the first part keeps the theme's id, the others get ids recorded at first use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from nlp_service.analysis.topics.edits.params import labels_param, theme_id_param, vector_param
from nlp_service.analysis.topics.edits.reasons import conflict, gone
from nlp_service.analysis.topics.edits.rebuild import (
    default_label,
    label_history,
    protected,
    rebuild,
)
from nlp_service.analysis.topics.edits.records import MAX_EXAMPLES, Outcome, Res, snapshot
from nlp_service.analysis.topics.model import TopicModel
from nlp_service.analysis.topics.themes import Theme
from nlp_service.errors import InvalidInput


def parts_param(p: Mapping[str, Any], dim: int) -> list[dict[str, Any]]:
    parts = p.get("parts")
    if not isinstance(parts, list) or len(parts) < 2:
        raise InvalidInput("a split needs at least two parts", field="parts")
    out = []
    for n, part in enumerate(parts):
        if not isinstance(part, dict):
            raise InvalidInput(f"parts.{n} must be an object", field=f"parts.{n}")
        vector = vector_param(part.get("centroid"), dim, f"parts.{n}.centroid")
        out.append({**part, "vector": vector, "labels": labels_param(part, "labels")})
    return out


def split(model: TopicModel, p: dict[str, Any], history: Mapping[int, str]) -> Res:
    theme_id = theme_id_param(p, "theme_id")
    parts = parts_param(p, model.centroids.shape[1])
    if theme_id not in model.by_id:
        return model, conflict(p, gone(model, theme_id, history))
    ids = p.get("ids")
    if ids is None:  # first application: the other parts get fresh ids
        ids = list(range(model.next_id, model.next_id + len(parts) - 1))
        p = {**p, "ids": ids}
    if len(ids) != len(parts) - 1 or not all(isinstance(i, int) for i in ids):
        raise InvalidInput(f"ids must give {len(parts) - 1} theme ids", field="ids")
    part_ids = [theme_id, *ids]
    # Parts the model lacks are (re)created; the kept id then describes only its part again.
    missing = [i for i in ids if i not in model.by_id]
    old = model.by_id[theme_id]
    themes, cents = list(model.themes_), model.centroids.copy()
    changed = False
    for part_id, part in zip(part_ids, parts, strict=True):
        labels = part["labels"] or dict(old.labels)
        current = model.by_id.get(part_id)
        if current is None:
            themes.append(Theme(
                id=part_id, label=default_label(None, labels),
                keywords=tuple(part.get("keywords") or ()), size=int(part.get("size") or 0),
                examples=tuple(part.get("examples") or ())[:MAX_EXAMPLES], parent=old.parent,
                labels=labels, source="seeded", status="active",
            ))  # fmt: skip
            cents = np.vstack([cents, part["vector"][None, :]])
            changed = True
            continue
        label = default_label(current, labels)
        new = replace(current, label=label, labels=labels,
                      label_history=label_history(current, label),
                      source=protected(current.source), status="active")  # fmt: skip
        row = model.row_of(part_id)
        if missing and part_id == theme_id:
            new = replace(
                new,
                size=int(part.get("size") or 0),
                keywords=tuple(part.get("keywords") or current.keywords),
                examples=tuple(part.get("examples") or current.examples)[:MAX_EXAMPLES],
            )
            cents[row] = part["vector"]  # fmt: skip
        if new != current or (missing and part_id == theme_id):
            themes[row] = new
            changed = True
    if not changed:
        return model, Outcome("honoured", "already split", p, {}, {}, False)
    out = rebuild(model, themes, cents, next_id=max(model.next_id, max(part_ids) + 1))
    after = {"themes": [snapshot(out.by_id[i]) for i in part_ids]}
    return out, Outcome("honoured", None, p, snapshot(old), after, True)
