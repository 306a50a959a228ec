"""Edits that change a theme's labels or state only: rename, accept."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from nlp_service.analysis.topics.edits.params import labels_param, theme_id_param
from nlp_service.analysis.topics.edits.reasons import conflict, gone
from nlp_service.analysis.topics.edits.rebuild import (
    default_label,
    label_history,
    protected,
    with_theme,
)
from nlp_service.analysis.topics.edits.records import Outcome, Res, snapshot
from nlp_service.analysis.topics.model import TopicModel
from nlp_service.analysis.topics.themes import Theme
from nlp_service.errors import InvalidInput


def updated(model: TopicModel, old: Theme, new: Theme, p: dict[str, Any]) -> Res:
    """One theme's labels or state edited: honoured, changed or already true."""
    changed = new != old
    out = with_theme(model, new) if changed else model
    reason = None if changed else "already true"
    return out, Outcome("honoured", reason, p, snapshot(old), snapshot(new), changed)


def rename(model: TopicModel, p: dict[str, Any], history: Mapping[int, str]) -> Res:
    theme_id = theme_id_param(p, "theme_id")
    labels = labels_param(p)
    description = p.get("description")
    if not labels and description is None:
        raise InvalidInput("rename needs labels (de and/or en) or a description", field="labels")
    if theme_id not in model.by_id:
        return model, conflict(p, gone(model, theme_id, history))
    old = model.by_id[theme_id]
    merged = {**old.labels, **labels}
    label = default_label(old, merged) if labels else old.label
    new = replace(
        old, label=label, labels=merged, label_history=label_history(old, label),
        description=old.description if description is None else str(description),
        source=protected(old.source), status="active",
    )  # fmt: skip
    return updated(model, old, new, p)


def accept(model: TopicModel, p: dict[str, Any], history: Mapping[int, str]) -> Res:
    theme_id = theme_id_param(p, "theme_id")
    if theme_id not in model.by_id:
        return model, conflict(p, gone(model, theme_id, history))
    old = model.by_id[theme_id]
    new = replace(old, status="active", source=protected(old.source))
    return updated(model, old, new, p)


def relabelled(before: TopicModel, after: TopicModel) -> list[Theme]:
    """Themes of `after` whose labels (default or per language) differ from `before`: what a
    labels-only edit leaves to rewrite on the stored segments."""
    return [
        t
        for t in after.themes_
        if (old := before.by_id.get(t.id)) is None or (old.label, old.labels) != (t.label, t.labels)
    ]
