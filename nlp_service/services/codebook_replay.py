"""Replaying a tenant's stored codebook edits: on a refitted model (`replay_on`, in the same
transaction that activates the refit, each edit's outcome recorded as `last_replay` by
`record_replay`), and re-applying the answer moves after a reassignment (`apply_pins`). Used by
the refit job (services/refits.py) and by codebook edits (services/codebook.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from nlp_service.store import SegmentRepository
from nlp_service.store.codebook import CodebookRepository
from nlp_service.store.models import CodebookEdit

if TYPE_CHECKING:
    from nlp_service.analysis.topics import TopicModel
    from nlp_service.analysis.topics.edits import Edit, ReplayOutcome


@dataclass(frozen=True)
class ReplaySummary:
    replayed: int
    honoured: int
    conflicts: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"replayed": self.replayed, "honoured": self.honoured, "conflicts": self.conflicts}


def stored_edits(rows: Sequence[CodebookEdit]) -> list[Edit]:
    from nlp_service.analysis.topics.edits import Edit

    return [Edit(row.kind, dict(row.params), row.id) for row in rows]  # type: ignore[arg-type]


def apply_pins(
    session: Session,
    tenant_id: str,
    model: TopicModel,
    edits: Sequence[Edit],
    version: str,
    embedder_id: str,
) -> dict[int | None, str]:
    """Re-apply every answer move (after a reassignment); returns the moves that could not be
    applied (edit id -> reason)."""
    from nlp_service.analysis.topics.edits import pins

    pinned, conflicts = pins(edits, model)
    segments = SegmentRepository(session, tenant_id)
    touched: set[int] = set()
    for pin in pinned:
        touched |= segments.pin(
            pin.answer_ids, pin.from_theme, pin.to_theme, model.label_for(pin.to_theme),
            model.centroid_of(pin.to_theme), embedder_id,
        )  # fmt: skip
    segments.refresh_entries(touched, version, embedder_id)
    return conflicts


def replay_on(
    session: Session, tenant_id: str, model: TopicModel
) -> tuple[TopicModel, list[ReplayOutcome], list[Edit]]:
    """The tenant's stored edits replayed on a refitted model (inside the refit's transaction,
    after `CodebookRepository.lock`)."""
    from nlp_service.analysis.topics.edits import replay

    edits = stored_edits(CodebookRepository(session, tenant_id).all())
    replayed, outcomes = replay(model, edits)
    return replayed, outcomes, edits


def record_replay(
    session: Session, tenant_id: str, version: str, outcomes: Sequence[ReplayOutcome]
) -> ReplaySummary:
    repo = CodebookRepository(session, tenant_id)
    conflicts = []
    for o in outcomes:
        if o.edit_id is None:
            continue
        repo.set_replay(
            o.edit_id, {"version": version, "outcome": o.outcome, "reason": o.reason},
            "conflict" if o.outcome == "conflict" else "applied",
        )  # fmt: skip
        if o.outcome == "conflict":
            conflicts.append({"edit_id": o.edit_id, "kind": o.kind, "reason": o.reason})
    honoured = sum(o.outcome == "honoured" for o in outcomes)
    return ReplaySummary(len(outcomes), honoured, conflicts)
