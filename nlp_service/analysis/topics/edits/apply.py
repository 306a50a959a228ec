"""One edit on a model: dispatch by kind."""

from __future__ import annotations

from collections.abc import Mapping

from nlp_service.analysis.topics.edits.add import add
from nlp_service.analysis.topics.edits.merge import merge, retire
from nlp_service.analysis.topics.edits.moves import move
from nlp_service.analysis.topics.edits.records import REDISCOVERY_SIMILARITY, Edit, Outcome
from nlp_service.analysis.topics.edits.relabel import accept, rename
from nlp_service.analysis.topics.edits.split import split
from nlp_service.analysis.topics.model import TopicModel
from nlp_service.errors import InvalidInput


def apply_edit(
    model: TopicModel,
    edit: Edit,
    *,
    history: Mapping[int, str] | None = None,
    replaying: bool = False,
    similarity: float = REDISCOVERY_SIMILARITY,
) -> tuple[TopicModel, Outcome]:
    """Apply one edit. `history` (theme id -> what an earlier edit did to it) sharpens conflict
    reasons; `replaying` marks a replay on a refit (an add whose id exists is then the kept
    theme, not a clash). The input model is never modified."""
    p = dict(edit.params)
    h = history or {}
    if edit.kind == "rename":
        return rename(model, p, h)
    if edit.kind == "accept":
        return accept(model, p, h)
    if edit.kind == "retire":
        return retire(model, p, h, similarity, replaying)
    if edit.kind == "merge":
        return merge(model, p, h, similarity, replaying)
    if edit.kind == "split":
        return split(model, p, h)
    if edit.kind == "add":
        return add(model, p, h, replaying)
    if edit.kind == "move":
        return move(model, p, h)
    raise InvalidInput(f"unknown edit kind {edit.kind!r}", field="kind")
