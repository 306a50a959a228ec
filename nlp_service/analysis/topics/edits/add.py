"""The add edit: a researcher's own theme from a prototype centroid (computed by the service)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from nlp_service.analysis.topics.edits.params import labels_param, theme_id_param, vector_param
from nlp_service.analysis.topics.edits.reasons import conflict
from nlp_service.analysis.topics.edits.rebuild import default_label, rebuild, with_theme
from nlp_service.analysis.topics.edits.records import MAX_EXAMPLES, Outcome, Res, snapshot
from nlp_service.analysis.topics.model import TopicModel
from nlp_service.analysis.topics.themes import Theme
from nlp_service.errors import InvalidInput


def add(model: TopicModel, p: dict[str, Any], history: Mapping[int, str], replaying: bool) -> Res:
    labels = labels_param(p)
    if not labels:
        raise InvalidInput("a new theme needs a label (de and/or en)", field="labels")
    centroid = vector_param(p.get("centroid"), model.centroids.shape[1], "centroid")
    theme_id = p.get("theme_id")
    if theme_id is not None:
        theme_id = theme_id_param(p, "theme_id")
        if not replaying and theme_id in model.by_id:
            return model, conflict(p, f"theme id {theme_id} is in use already")
    else:
        theme_id = model.next_id
        p = {**p, "theme_id": theme_id}
    phrases = [str(x) for x in p.get("phrases") or []]
    theme = Theme(
        id=theme_id, label=default_label(None, labels), keywords=tuple(p.get("keywords") or ()),
        size=0, examples=tuple(phrases[:MAX_EXAMPLES]), parent=None, labels=labels,
        description=str(p.get("description") or ""), source="seeded", status="active",
    )  # fmt: skip
    if theme_id in model.by_id:  # replay: the refit kept it (seeded themes are never dropped)
        current = model.by_id[theme_id]
        new = replace(current, label=theme.label, labels={**current.labels, **labels})
        if new == current:
            return model, Outcome("honoured", "already true", p, {}, snapshot(current), False)
        outcome = Outcome("honoured", None, p, snapshot(current), snapshot(new), True)
        return with_theme(model, new), outcome
    out = rebuild(model, [*model.themes_, theme], np.vstack([model.centroids, centroid[None, :]]))
    reason = "restored" if replaying else None
    return out, Outcome("honoured", reason, p, {}, snapshot(theme), True)
