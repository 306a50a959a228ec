"""Bad input gives clear errors; text helpers; registry behaviour. No model is loaded here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlp_service.analysis.topics import (
    Theme,
    TopicModel,
    TopicParams,
    TopicRegistry,
    fit_topics,
)
from nlp_service.analysis.topics.matching import match_themes
from nlp_service.analysis.topics.text import (
    clean_for_keywords,
    content_words,
    make_label,
    restore_case,
    stop_words,
)
from nlp_service.errors import InvalidInput, NotFound


def _vectors(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)


def test_empty_corpus() -> None:
    with pytest.raises(InvalidInput, match="empty") as err:
        fit_topics([], np.zeros((0, 16), np.float32), embedder_id="e")
    assert err.value.field == "texts"


def test_fewer_answers_than_a_theme_needs() -> None:
    with pytest.raises(InvalidInput, match="fewer than the 15") as err:
        fit_topics(["Lieferung zu spät"] * 10, _vectors(10), embedder_id="e",
                   params=TopicParams(min_size=15))  # fmt: skip
    assert err.value.code == "too_few_documents" and err.value.field == "texts"


@pytest.mark.parametrize(
    ("vectors", "match", "field"),
    [
        (np.zeros((3, 16)), "one row per text", "embeddings"),
        (np.full((20, 16), np.nan), "NaN", "embeddings"),
    ],
)
def test_bad_embeddings(vectors: np.ndarray, match: str, field: str) -> None:
    with pytest.raises(InvalidInput, match=match) as err:
        fit_topics(["x"] * 20, vectors, embedder_id="e", params=TopicParams(min_size=5))
    assert err.value.field == field


def test_misaligned_classes() -> None:
    with pytest.raises(InvalidInput, match="classes has 2 entries") as err:
        fit_topics(["x"] * 20, _vectors(20), classes=["a", "b"], embedder_id="e",
                   params=TopicParams(min_size=5))  # fmt: skip
    assert err.value.field == "classes"


def test_bad_params_are_rejected() -> None:
    with pytest.raises(ValueError):
        TopicParams(min_size=1)
    with pytest.raises(ValueError):
        TopicParams(time_bin="fortnight")


def test_keyword_cleaning_and_stop_words() -> None:
    cleaned = clean_for_keywords("@united my bag &amp; #lostluggage http://t.co/x [EMAIL]")
    assert "@" not in cleaned and "http" not in cleaned and "EMAIL" not in cleaned
    assert "lostluggage" in cleaned and "&" in cleaned
    words = set(stop_words())
    assert {"und", "nicht", "the", "and", "don"} <= words
    assert "lieferung" not in words and "refund" not in words
    assert content_words(["Alles gut.", "Lieferung kam zu spät"]).tolist()[1] >= 2


def test_labels() -> None:
    assert make_label(["cancelled", "flight", "cancelled flight", "rebook"]) == (
        "cancelled flight, rebook"
    )
    assert make_label(["warteschleife", "hotline", "minuten"]) == "warteschleife, hotline, minuten"
    texts = ["Die Warteschleife ist lang", "Hotline: ewig in der Warteschleife", "hotline ok"]
    assert restore_case("warteschleife, hotline", texts) == "Warteschleife, hotline"
    assert restore_case("refund", ["Refund please", "no refund yet"]) == "refund"


def _model(version: str = "v1", ids: tuple[int, ...] = (0, 1)) -> TopicModel:
    eye = np.eye(len(ids), 8, dtype=np.float32)
    themes = [Theme(i, f"theme {i}", ("a", "b"), 10, ("x",), None) for i in ids]
    return TopicModel("m", version, "e", eye, themes, threshold=0.5, next_id=max(ids) + 1)


def test_assign_is_nearest_centroid_with_threshold() -> None:
    model = _model()
    out = model.assign(np.array([[1, 0.1, 0, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0, 0, 0]]))
    assert (out[0].id, out[0].label) == (0, "theme 0") and 0.9 < out[0].confidence <= 1
    assert (out[1].id, out[1].label) == (-1, "")
    with pytest.raises(InvalidInput, match="shape"):
        model.assign(np.ones((2, 3)))


def test_registry(tmp_path: Path) -> None:
    registry = TopicRegistry(tmp_path)
    assert registry.versions("m") == [] and registry.active_version("m") is None
    with pytest.raises(NotFound):
        registry.load("m")
    v1 = registry.save("m", _model("v1"))
    v1b = registry.save("m", _model("v1"))  # same version again: kept apart, nothing overwritten
    assert (v1, v1b) == ("v1", "v1.2") and registry.versions("m") == ["v1", "v1.2"]
    assert registry.active_version("m") is None
    registry.activate("m", "v1.2")
    assert registry.active_version("m") == "v1.2" and registry.load("m").version == "v1.2"
    assert not [p for p in (tmp_path / "m").iterdir() if p.name.startswith(".")]
    with pytest.raises(NotFound):
        registry.activate("m", "v9")
    with pytest.raises(InvalidInput):
        registry.load("../etc")


def test_matching_kinds() -> None:
    old = np.eye(4, 8, dtype=np.float32)  # old themes 10, 11, 12, 13
    split_of_11 = np.array([0, 0.9, 0.44, 0, 0, 0, 0, 0], np.float32)
    new = np.stack([old[0], old[1], split_of_11 / np.linalg.norm(split_of_11),
                    np.eye(8, dtype=np.float32)[6]])  # fmt: skip
    # old 12 has no counterpart of its own; old 13 vanished entirely.
    m = match_themes(new, ["a", "b", "b2", "new"], old, np.array([10, 11, 12, 13]),
                     ["A", "B", "C", "D"], 14, 0.95, 0.4)  # fmt: skip
    kinds = {(e.kind, e.old, e.new) for e in m.entries}
    assert ("kept", 10, 10) in kinds and ("kept", 11, 11) in kinds
    assert ("split", 11, 14) in kinds or ("merged", 12, 14) in kinds
    assert ("new", None, 15) in kinds
    assert ("retired", 13, None) in kinds
    assert m.ids.tolist() == [10, 11, 14, 15] and m.next_id == 16
