"""Fitting on real USE vectors of the survey fixture: coverage, recognisable themes, aspects,
reproducibility, round trip through the registry, incremental mode, structure."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nlp_service.analysis.segments import split_segments
from nlp_service.analysis.topics import (
    FitResult,
    TopicParams,
    TopicRegistry,
    fit_topics,
)
from nlp_service.analysis.topics.clustering import compact_k
from nlp_service.analysis.topics.model import MANIFEST_FILE, TENSORS_FILE
from nlp_service.errors import InvalidInput
from tests.topics.conftest import PARAMS, mentions, theme_matching

pytestmark = pytest.mark.slow


def test_coverage_and_confidence(fitted: FitResult, vectors: np.ndarray) -> None:
    m = fitted.metrics
    assert m.mode == "compact"  # 327 segments: below compact_below
    assert 5 <= m.themes <= PARAMS.max_themes
    assert m.unassigned_share <= 0.10
    ids, conf = fitted.model.assign_ids(vectors)
    assert ((conf >= 0) & (conf <= 1)).all()
    # The stored assignment of the corpus is exactly what online assignment gives.
    assert (ids == fitted.labels).all()
    assert sum(t.size for t in fitted.model.themes()) == m.documents - m.unassigned


def test_answers_without_a_theme(fitted: FitResult, segments) -> None:
    m, labels = fitted.metrics, np.asarray(fitted.labels)
    assert m.answers == len(np.unique(segments.answer)) < m.documents
    covered = set(segments.answer[labels >= 0].tolist())
    assert m.unassigned_answers == m.answers - len(covered)
    # An answer counts as unassigned only when none of its segments has a theme.
    assert m.unassigned_answers <= m.unassigned
    summary = fitted.model.summary()
    assert (summary["documents"], summary["unassigned"]) == (m.answers, m.unassigned_answers)


def test_answers_must_match_the_segments(segments, vectors: np.ndarray, embedder) -> None:
    with pytest.raises(InvalidInput) as err:
        fit_topics(segments.texts, vectors, answers=segments.answer[:-1], params=PARAMS,
                   embedder_id=embedder.id)  # fmt: skip
    assert err.value.field == "answers"


def test_themes_read_like_a_codebook(fitted: FitResult) -> None:
    stop = {"und", "die", "der", "the", "and", "to", "ist", "nicht", "was"}
    for theme in fitted.model.themes():
        assert theme.label and theme.keywords and theme.examples
        assert not stop & set(theme.keywords)
        assert not any(k.startswith("@") for k in theme.keywords)
    # Concrete service themes from the fixture, in German and English.
    ids = {
        theme_matching(fitted, "app"),
        theme_matching(fitted, "lieferung", "delivery"),
        theme_matching(fitted, "warteschleife", "hold", "hotline"),
        theme_matching(fitted, "preise", "prices"),
    }
    assert len(ids) == 4


def test_two_aspect_answer_gets_two_themes(fitted: FitResult, embedder) -> None:
    text = "Lieferung schnell, aber die Hotline ist eine Katastrophe"
    segs = split_segments(text, "de")
    assert [s.text for s in segs] == ["Lieferung schnell", "aber die Hotline ist eine Katastrophe"]
    first, second = fitted.model.assign(embedder.encode([s.text for s in segs]))
    assert first.id == theme_matching(fitted, "lieferung", "delivery")
    assert mentions(fitted.model.theme(second.id), "hotline", "warteschleife")
    assert first.label and second.label and first.id != second.id


def test_reproducible(fitted: FitResult, segments, vectors: np.ndarray, embedder) -> None:
    # Languages shape the readable labels (a label per language), so they are part of the input.
    again = fit_topics(segments.texts, vectors, languages=segments.languages,
                       classes=segments.classes, params=PARAMS,
                       embedder_id=embedder.id)  # fmt: skip
    assert [t.to_dict() for t in again.model.themes()] == [
        t.to_dict() for t in fitted.model.themes()
    ]
    assert np.array_equal(again.labels, fitted.labels)
    assert np.allclose(again.model.centroids, fitted.model.centroids)


def test_round_trip_through_registry(
    fitted: FitResult, vectors: np.ndarray, tmp_path: Path
) -> None:
    registry = TopicRegistry(tmp_path / "topics")
    version = registry.save("survey", fitted, activate=True)
    folder = tmp_path / "topics" / "survey" / version
    assert (folder / TENSORS_FILE).is_file() and (folder / MANIFEST_FILE).is_file()
    assert registry.active_version("survey") == version
    loaded = registry.load("survey")
    assert loaded.version == version and loaded.name == "survey"
    assert loaded.embedder_id == fitted.model.embedder_id
    assert [t.to_dict() for t in loaded.themes()] == [t.to_dict() for t in fitted.model.themes()]
    assert [a.id for a in loaded.assign(vectors)] == fitted.labels.tolist()
    manifest = loaded.manifest()
    for key in ("created", "documents", "params", "metrics", "embedder_id", "mapping"):
        assert key in manifest
    assert manifest["params"]["seed"] == 42
    assert sum(p.stat().st_size for p in folder.iterdir()) < 2_000_000


def test_loading_needs_no_umap_or_hdbscan(fitted: FitResult, tmp_path: Path) -> None:
    folder = fitted.model.save(tmp_path / "m")
    code = (
        "import sys, numpy as np\n"
        "from nlp_service.analysis.topics import TopicModel\n"
        f"m = TopicModel.load({str(folder)!r})\n"
        "m.assign(np.random.default_rng(0).normal(size=(3, m.centroids.shape[1])))\n"
        "bad = [k for k in ('umap', 'hdbscan', 'bertopic', 'torch') if k in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unassigned_below_threshold(fitted: FitResult, vectors: np.ndarray) -> None:
    strict = replace(fitted.model, threshold=0.99)
    out = strict.assign(vectors[:20])
    assert all(a.id == -1 and a.label == "" for a in out)
    assert all(0 <= a.confidence <= 1 for a in out)
    assert fitted.model.assign(np.zeros((0, vectors.shape[1]), np.float32)) == []


def test_standard_mode(segments, vectors: np.ndarray, embedder) -> None:
    # UMAP + HDBSCAN, the mode between compact_below and incremental_above, on the same fixture.
    params = TopicParams(min_size=8, compact_below=0)
    result = fit_topics(segments.texts, vectors, classes=segments.classes, params=params,
                        embedder_id=embedder.id)  # fmt: skip
    assert result.metrics.mode == "standard"
    assert result.metrics.unassigned_share <= 0.10
    assert 5 <= result.metrics.themes <= params.max_themes
    assert len({theme_matching(result, w) for w in ("app", "lieferung", "preise")}) == 3


def test_compact_theme_count() -> None:
    params = TopicParams(min_size=15, max_themes=60)
    # About sqrt(n / 4) themes: the codebook grows with the corpus, slower than the corpus.
    assert [compact_k(n, params) for n in (300, 1_300, 3_600)] == [9, 18, 30]
    assert compact_k(40, params) == 2  # at least two themes
    assert compact_k(200, TopicParams(min_size=50)) == 4  # each theme needs min_size on average
    assert compact_k(4_900, TopicParams(max_themes=20)) == 20


def test_incremental_mode(segments, vectors: np.ndarray, embedder) -> None:
    params = TopicParams(min_size=8, incremental_above=100, chunk_size=256, max_themes=15)
    result = fit_topics(segments.texts, vectors, classes=segments.classes, params=params,
                        embedder_id=embedder.id)  # fmt: skip
    assert result.metrics.mode == "incremental"
    assert result.metrics.unassigned_share <= 0.10
    assert 3 <= result.metrics.themes <= 15
    theme_matching(result, "app")
    assert result.model.structure["per_class"]


def test_hierarchy_per_class_and_over_time(fitted: FitResult) -> None:
    model = fitted.model
    assert model.parents and all(t.parent is not None for t in model.themes())
    children = sorted(c for p in model.parents for c in p.children)
    assert children == sorted(t.id for t in model.themes())
    app_id = theme_matching(fitted, "app")
    rows = [r for r in model.structure["per_class"] if r["class"] == "app"]
    assert rows[0]["id"] == app_id and rows[0]["keywords"]
    # The fixture plants app complaints after April: the app theme's share rises over time.
    over = model.structure["over_time"]
    assert over["bin"] == "month"
    share = {r["period"]: r["share"] for r in over["rows"] if r["id"] == app_id}
    early = np.mean([share.get(p, 0.0) for p in ("2026-01", "2026-02", "2026-03")])
    late = np.mean([share.get(p, 0.0) for p in ("2026-05", "2026-06")])
    assert late > early
