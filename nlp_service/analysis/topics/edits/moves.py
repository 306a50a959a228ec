"""The move edit (answers a researcher moved to another theme) and the pins it leaves: moves
are re-applied after every reassignment, their targets followed through later merges."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nlp_service.analysis.topics.edits.params import theme_id_param
from nlp_service.analysis.topics.edits.reasons import conflict, gone, removals
from nlp_service.analysis.topics.edits.records import Edit, Outcome, Res, snapshot
from nlp_service.analysis.topics.model import TopicModel
from nlp_service.errors import InvalidInput


@dataclass(frozen=True)
class Pin:
    """Answers a researcher moved: their segments carrying `from_theme` carry `to_theme`."""

    edit_id: int | None
    answer_ids: tuple[str, ...]
    from_theme: int
    to_theme: int


def move(model: TopicModel, p: dict[str, Any], history: Mapping[int, str]) -> Res:
    answers = p.get("answer_ids")
    if not isinstance(answers, list) or not answers or not all(isinstance(a, str) for a in answers):
        raise InvalidInput("answer_ids must list at least one answer id", field="answer_ids")
    source, target = theme_id_param(p, "from_theme"), theme_id_param(p, "to_theme")
    if source == target:
        raise InvalidInput("to_theme must differ from from_theme", field="to_theme")
    if target not in model.by_id:
        return model, conflict(p, gone(model, target, history), "to_theme")
    after = {"answer_ids": list(answers), "to_theme": snapshot(model.by_id[target])}
    before = {"from_theme": source}
    return model, Outcome("honoured", None, p, before, after, True)


def redirects(edits: Sequence[Edit]) -> dict[int, int]:
    """Theme id -> the theme a merge edit folded it into (chains followed)."""
    into: dict[int, int] = {}
    for edit in edits:
        if edit.kind == "merge":
            target = int(edit.params["into"])
            for i in edit.params["theme_ids"]:
                if i != target:
                    into[int(i)] = target
    for start in list(into):
        seen, current = {start}, into[start]
        while current in into and into[current] not in seen:
            seen.add(current)
            current = into[current]
        into[start] = current
    return into


def pins(edits: Sequence[Edit], model: TopicModel) -> tuple[list[Pin], dict[int | None, str]]:
    """The answer moves to re-apply after every reassignment, in edit order (a later move of the
    same answer wins), with targets followed through merges; moves whose target the model no
    longer has are returned as conflicts (edit id -> reason), not pinned."""
    via = redirects(edits)
    removed = removals(edits)
    out: list[Pin] = []
    conflicts: dict[int | None, str] = {}
    for edit in edits:
        if edit.kind != "move":
            continue
        target = int(edit.params["to_theme"])
        resolved = via.get(target, target)
        if resolved not in model.by_id:
            conflicts[edit.id] = gone(model, resolved, removed)
            continue
        source = int(edit.params["from_theme"])
        answers = tuple(str(a) for a in edit.params["answer_ids"])
        out.append(Pin(edit.id, answers, via.get(source, source), resolved))
    return out, conflicts
