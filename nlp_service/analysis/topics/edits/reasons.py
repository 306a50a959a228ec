"""Why an edit cannot apply: which edits removed which themes, and why a theme is gone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nlp_service.analysis.topics.edits.records import Edit, Outcome
from nlp_service.analysis.topics.model import TopicModel


def removals(edits: Sequence[Edit]) -> dict[int, str]:
    """Theme id -> which edit retired or merged it away (the last one), for conflict reasons."""
    out: dict[int, str] = {}
    for edit in edits:
        label = f"edit {edit.id}" if edit.id is not None else "another edit"
        if edit.kind == "retire":
            out[int(edit.params["theme_id"])] = f"was retired by {label}"
        elif edit.kind == "merge":
            into = int(edit.params["into"])
            for i in edit.params["theme_ids"]:
                if i != into:
                    out[int(i)] = f"was merged into {into} by {label}"
    return out


def gone(model: TopicModel, theme_id: int, history: Mapping[int, str]) -> str:
    """Why `theme_id` is not in the model, as precisely as is known."""
    if theme_id in history:
        return f"theme {theme_id} {history[theme_id]}"
    for e in model.mapping.entries:
        if e.old == theme_id and e.kind == "merged" and e.new is not None:
            return f"theme {theme_id} was merged into {e.new} by the refit to {model.version}"
        if e.old == theme_id and e.kind == "retired":
            return f"theme {theme_id} was dropped by the refit to {model.version}"
    for r in model.retired:
        if r.id == theme_id:
            return f"theme {theme_id} ({r.label}) was retired in version {r.retired_in}"
    return f"theme {theme_id} is not in version {model.version}"


def conflict(params: dict[str, Any], reason: str, field: str = "theme_id") -> Outcome:
    return Outcome("conflict", reason, params, field=field)
