"""What an edit is and what applying or replaying it records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from nlp_service.analysis.topics.model import TopicModel
from nlp_service.analysis.topics.themes import Theme

EditKind = Literal["rename", "merge", "split", "move", "retire", "add", "accept"]
EDIT_KINDS: tuple[EditKind, ...] = ("rename", "merge", "split", "move", "retire", "add", "accept")
# Edits that change labels or state only (never a centroid, an id or the threshold): every
# stored segment keeps its theme, so applying them rewrites no assignment (services/codebook.py).
LABEL_ONLY_KINDS: frozenset[EditKind] = frozenset({"rename", "accept"})
OutcomeKind = Literal["honoured", "conflict"]
# A `new` emergent theme of a refit this similar to a merged-away or retired theme's centroid is
# that theme found again: the replay merges (retires) it too. Same bar as a refit's id match.
REDISCOVERY_SIMILARITY = 0.8
DEFAULT_LANGUAGE = "en"
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Edit:
    kind: EditKind
    params: dict[str, Any]
    id: int | None = None


@dataclass(frozen=True)
class Outcome:
    outcome: OutcomeKind
    reason: str | None
    params: dict[str, Any]  # the edit's params with what the first application recorded
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    changed: bool = False  # False: conflict, or already true in the model
    field: str | None = None  # the param a conflict is about


@dataclass(frozen=True)
class ReplayOutcome:
    edit_id: int | None
    kind: str
    outcome: OutcomeKind
    reason: str | None
    changed: bool

    def to_dict(self) -> dict[str, Any]:
        return {"edit_id": self.edit_id, "kind": self.kind, "outcome": self.outcome,
                "reason": self.reason, "changed": self.changed}  # fmt: skip


# What applying one edit returns: the edited model (the input when nothing changed) and how.
Res = tuple[TopicModel, Outcome]


def snapshot(theme: Theme) -> dict[str, Any]:
    """A theme as edit events record it (before/after)."""
    return {"id": theme.id, "label": theme.label, "labels": dict(theme.labels),
            "description": theme.description, "source": theme.source, "status": theme.status,
            "size": theme.size}  # fmt: skip
