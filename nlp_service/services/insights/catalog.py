"""What the insights need from a tenant's topic model, as plain data: labels (in each
language), keywords, parent themes and the ids new in this version (`ThemeCatalog`)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Protocol

from nlp_service.errors import NotFound


@dataclass(frozen=True)
class ThemeInfo:
    id: int
    label: str
    keywords: tuple[str, ...] = ()
    parent: int | None = None
    labels: tuple[tuple[str, str], ...] = ()  # (language, label), e.g. codebook themes' de / en

    def label_in(self, language: str | None) -> str:
        """The label in `language` when the theme has one, else the default label."""
        return dict(self.labels).get(language or "", self.label)


@dataclass(frozen=True)
class ParentInfo:
    id: int
    label: str
    children: tuple[int, ...]

    def label_in(self, language: str | None) -> str:
        return self.label  # parent themes have one label


class TopicModelLike(Protocol):
    version: str

    def themes(self) -> list[Any]: ...


@dataclass(frozen=True)
class ThemeCatalog:
    """What the insights need from a tenant's topic model, as plain data."""

    version: str | None = None
    themes: tuple[ThemeInfo, ...] = ()
    parents: tuple[ParentInfo, ...] = ()
    new_ids: frozenset[int] = frozenset()

    @classmethod
    def from_topic_model(cls, model: TopicModelLike | None) -> ThemeCatalog:
        if model is None:
            return cls()
        themes = tuple(
            ThemeInfo(
                int(t.id),
                str(t.label),
                tuple(t.keywords),
                t.parent,
                tuple(sorted((str(k), str(v)) for k, v in getattr(t, "labels", {}).items())),
            )
            for t in model.themes()
        )
        parents = tuple(
            ParentInfo(int(p.id), str(p.label), tuple(int(c) for c in p.children))
            for p in getattr(model, "parents", ())
        )
        mapping = getattr(model, "mapping", None)
        new = frozenset(mapping.ids("new")) if mapping is not None else frozenset()
        return cls(str(model.version), themes, parents, new)

    @functools.cached_property
    def _by_id(self) -> dict[int, ThemeInfo]:
        return {t.id: t for t in self.themes}

    def info(self, theme_id: int) -> ThemeInfo:
        # A theme missing from the catalog: one of an earlier version still on stored sentences.
        return self._by_id.get(theme_id) or ThemeInfo(theme_id, f"theme {theme_id}")

    def label(self, theme_id: int, language: str | None) -> str:
        return self.info(theme_id).label_in(language)

    def has(self, theme_id: int) -> bool:
        return theme_id in self._by_id

    def parent(self, parent_id: int | None) -> ParentInfo | None:
        return next((p for p in self.parents if p.id == parent_id), None)

    def resolve(self, ref: str, field_name: str) -> tuple[ThemeInfo | ParentInfo, list[int]]:
        """A theme id ("12"), a parent theme ("p3") or a label in any of its languages ->
        (description, theme ids)."""
        text = ref.strip()
        if re.fullmatch(r"[pP]\d+", text):
            parent = self.parent(int(text[1:]))
            if parent is None:
                raise NotFound(f"parent theme {text!r} not found", field=field_name)
            return parent, list(parent.children)
        if re.fullmatch(r"-?\d+", text):
            theme = self._by_id.get(int(text))
        else:
            wanted = text.lower()
            theme = next((t for t in self.themes if t.label.lower() == wanted), None) or next(
                (t for t in self.themes if any(v.lower() == wanted for _, v in t.labels)), None
            )
        if theme is None:
            raise NotFound(f"theme {text!r} is not in the tenant's themes", field=field_name)
        return theme, [theme.id]
