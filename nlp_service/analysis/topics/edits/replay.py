"""Every stored edit, in order, on top of a refitted model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from nlp_service.analysis.topics.edits.apply import apply_edit
from nlp_service.analysis.topics.edits.moves import pins
from nlp_service.analysis.topics.edits.reasons import removals
from nlp_service.analysis.topics.edits.records import REDISCOVERY_SIMILARITY, Edit, ReplayOutcome
from nlp_service.analysis.topics.model import TopicModel


def replay(
    model: TopicModel, edits: Sequence[Edit], similarity: float = REDISCOVERY_SIMILARITY
) -> tuple[TopicModel, list[ReplayOutcome]]:
    """Every edit, in order, on top of a refitted model: honoured (applied, or already true in
    the refit) or a conflict with its reason. Moves are checked against the final model (a move
    to a theme a later edit merged away follows the merge; see `pins`)."""
    # Which edit removes which theme, later ones included: an edit on a theme that a later edit
    # retired or merged away says so in its conflict.
    history = removals(edits)
    outcomes: list[ReplayOutcome] = []
    for edit in edits:
        if edit.kind == "move":  # decided against the final model below (merges followed)
            outcomes.append(ReplayOutcome(edit.id, edit.kind, "honoured", None, False))
            continue
        model, out = apply_edit(model, edit, history=history, replaying=True, similarity=similarity)
        outcomes.append(ReplayOutcome(edit.id, edit.kind, out.outcome, out.reason, out.changed))
    _, move_conflicts = pins(edits, model)
    outcomes = [
        replace(o, outcome="conflict", reason=move_conflicts[o.edit_id], changed=False)
        if o.edit_id in move_conflicts and o.outcome == "honoured"
        else o
        for o in outcomes
    ]
    return model, outcomes
