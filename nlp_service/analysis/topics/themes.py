"""Plain data the topic package hands out: themes, parent themes, the refit mapping, fit metrics."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from nlp_service.analysis.topics.model import TopicModel

ChangeKind = Literal["kept", "merged", "split", "new", "retired"]
# codebook: defined by a researcher (fixed id and labels); emergent: found by a fit; seeded: a fit
# started from given themes.
ThemeSource = Literal["codebook", "emergent", "seeded"]
ThemeStatus = Literal["active", "new"]  # new: not yet reviewed by a researcher
FitMode = Literal["compact", "standard", "incremental"]


@dataclass(frozen=True)
class Theme:
    id: int  # stable across refits
    label: str
    keywords: tuple[str, ...]
    size: int  # segments assigned in the fitted corpus
    examples: tuple[str, ...]
    parent: int | None  # ParentTheme.id (its own namespace), None when there is no hierarchy
    # Labels this ID carried in earlier versions, oldest first (not part of the public JSON shape).
    label_history: tuple[str, ...] = ()
    # Label per language ({"de": "Lieferzeit", "en": "Delivery time"}); `label` is the fallback.
    # These four are stored in the manifest; versions written before them load with the defaults.
    labels: dict[str, str] = field(default_factory=dict, hash=False, compare=True)
    description: str = ""
    source: ThemeSource = "emergent"
    status: ThemeStatus = "active"

    def label_in(self, language: str | None) -> str:
        """The label in `language` when the theme has one, else the default label."""
        return self.labels.get(language or "", self.label)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "keywords": list(self.keywords),
            "size": self.size,
            "examples": list(self.examples),
            "parent": self.parent,
        }


@dataclass(frozen=True)
class ParentTheme:
    id: int
    label: str
    keywords: tuple[str, ...]
    size: int
    children: tuple[int, ...]  # theme ids

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "keywords": list(self.keywords), "children": list(self.children)}


@dataclass(frozen=True)
class RetiredTheme:
    id: int
    label: str
    retired_in: str  # version that no longer has it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MappingEntry:
    """One line of a refit's mapping from the previous version's theme IDs to this version's.

    kept:    old id -> same id (similar centroid, matched one-to-one)
    merged:  old id (gone) -> the kept/new theme that absorbed it
    split:   old id (kept) -> an additional new id carved out of it
    new:     -> new id with no similar old theme
    retired: old id -> nothing
    """

    kind: ChangeKind
    old: int | None
    new: int | None
    similarity: float | None
    old_label: str | None = None
    new_label: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ThemeMapping:
    previous_version: str | None
    entries: tuple[MappingEntry, ...] = ()

    def ids(self, kind: ChangeKind) -> list[int]:
        """Theme ids of one kind (the old id for retired/merged, the new id otherwise)."""
        side = "old" if kind in ("retired", "merged") else "new"
        return [
            theme_id
            for e in self.entries
            # the side a kind names is always set (see the class docstring)
            if e.kind == kind and (theme_id := e.old if side == "old" else e.new) is not None
        ]

    def kept_share(self) -> float | None:
        """Share of the previous version's themes whose ID survives (kept)."""
        old = {e.old for e in self.entries if e.old is not None}
        if not old:
            return None
        return len({e.old for e in self.entries if e.kind == "kept"}) / len(old)

    def to_dict(self) -> dict[str, Any]:
        return {
            "previous_version": self.previous_version,
            "kept_share": self.kept_share(),
            "entries": [e.to_dict() for e in self.entries],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ThemeMapping:
        return cls(data.get("previous_version"), tuple(MappingEntry(**e) for e in data["entries"]))


@dataclass(frozen=True)
class FitMetrics:
    documents: int  # segments fitted
    themes: int
    unassigned: int
    mode: FitMode
    seconds: float
    initial_outliers: int  # segments the clustering left as noise before reassignment
    extra: dict[str, Any] = field(default_factory=dict)
    answers: int | None = None  # known when the fit was told each segment's answer
    unassigned_answers: int | None = None  # answers none of whose segments got a theme

    @property
    def unassigned_share(self) -> float:
        return self.unassigned / self.documents if self.documents else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "unassigned_share": round(self.unassigned_share, 4)}


@dataclass(frozen=True)
class FitResult:
    model: TopicModel
    mapping: ThemeMapping
    metrics: FitMetrics
    labels: Any  # np.ndarray (n,) of theme ids per input segment, -1 = unassigned
