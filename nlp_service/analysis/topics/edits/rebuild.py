"""A model with edited themes, and the label/source rules every edit kind shares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from nlp_service.analysis.topics.edits.records import DEFAULT_LANGUAGE
from nlp_service.analysis.topics.model import TopicModel
from nlp_service.analysis.topics.themes import RetiredTheme, Theme, ThemeSource


def default_label(old: Theme | None, labels: Mapping[str, str]) -> str:
    """The default label after new per-language labels: the language the old default was in,
    else English, else the first language given."""
    if old is not None:
        for lang, text in old.labels.items():
            if text == old.label and lang in labels:
                return labels[lang]
    return labels.get(DEFAULT_LANGUAGE) or next(iter(labels.values()))


def protected(source: ThemeSource) -> ThemeSource:
    """An edited emergent theme becomes `seeded`: refits keep its id and labels."""
    return "seeded" if source == "emergent" else source


def label_history(theme: Theme, label: str) -> tuple[str, ...]:
    """The theme's earlier labels once its default label becomes `label`."""
    return theme.label_history if label == theme.label else (*theme.label_history, theme.label)


def rebuild(
    model: TopicModel,
    themes: list[Theme],
    centroids: np.ndarray,
    *,
    retired: Sequence[RetiredTheme] | None = None,
    next_id: int | None = None,
) -> TopicModel:
    ids = [t.id for t in themes]
    parents = [replace(p, children=tuple(c for c in p.children if c in ids)) for p in model.parents]
    return replace(
        model, themes_=themes, centroids=centroids, parents=parents,
        retired=list(model.retired if retired is None else retired),
        next_id=max(model.next_id if next_id is None else next_id, max(ids, default=-1) + 1),
    )  # fmt: skip


def with_theme(model: TopicModel, theme: Theme) -> TopicModel:
    """`model` with `theme` in place of its theme of the same id (centroids unchanged)."""
    themes = [theme if t.id == theme.id else t for t in model.themes_]
    return rebuild(model, themes, model.centroids)
