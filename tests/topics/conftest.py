"""Shared fixtures: the project's survey fixture split into segments and embedded once per
session with the real main embedder (USE multilingual), and one fit on it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlp_service.analysis.topics import FitResult, Theme, TopicParams, fit_topics
from nlp_service.config import Settings
from training.topics import Answer, Segments, segment_answers, survey_fixture

PARAMS = TopicParams(min_size=8, seed=42)


@pytest.fixture(scope="session")
def topic_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(threads=2, data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def embedder(topic_settings: Settings):  # -> Embedder
    from nlp_service.analysis.embedding import get_embedder

    s = topic_settings  # same cache key as the CLI's get_embedder call: one model load
    return get_embedder(s.embedder, s.threads, s.encode_batch_size)


@pytest.fixture(scope="session")
def answers() -> list[Answer]:
    return survey_fixture()


@pytest.fixture(scope="session")
def segments(answers: list[Answer]) -> Segments:
    return segment_answers(answers)


@pytest.fixture(scope="session")
def vectors(segments: Segments, embedder, tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    from training.topics import embed_cached

    return embed_cached(segments.texts, embedder, tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def fitted(segments: Segments, vectors: np.ndarray, embedder) -> FitResult:
    return fit_topics(
        segments.texts, vectors, languages=segments.languages, classes=segments.classes,
        timestamps=segments.timestamps, answers=segments.answer, params=PARAMS,
        embedder_id=embedder.id, name="survey",
    )  # fmt: skip


def mentions(theme: Theme, *words: str) -> bool:
    text = " ".join([theme.label.lower(), *theme.keywords])
    return any(w in text for w in words)


def theme_matching(result: FitResult, *words: str) -> int:
    """Id of the largest theme whose label or keywords mention any of `words`."""
    for theme in result.model.themes():  # largest first
        if mentions(theme, *words):
            return theme.id
    raise AssertionError(f"no theme mentions {words}: {[t.label for t in result.model.themes()]}")


def subset(
    segments: Segments, vectors: np.ndarray, keep: np.ndarray
) -> tuple[Segments, np.ndarray]:
    rows = np.flatnonzero(keep)
    pick = lambda xs: [xs[i] for i in rows]  # noqa: E731
    return (
        Segments(pick(segments.texts), segments.answer[rows], pick(segments.languages),
                 pick(segments.classes), pick(segments.timestamps)),
        vectors[rows],
    )  # fmt: skip


@pytest.fixture()
def registry_root(tmp_path: Path) -> Path:
    return tmp_path / "topics"
