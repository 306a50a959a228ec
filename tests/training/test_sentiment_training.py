import json
from collections.abc import Sequence

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


# --- v2 ----------------------------------------------------------------------------------------


def test_written_corpus_splits_never_overlap() -> None:
    from training.datasets import feedback_corpus, german_reviews, written_corpus

    train = feedback_corpus("train")
    heldout = feedback_corpus("heldout")
    assert len(train) >= 300 and len(heldout) >= 100
    assert {e.split for e in train} == {"train"} and {e.split for e in heldout} == {"heldout"}
    assert {"de", "fr", "nl"} <= {e.language for e in train}

    # What training reads (feedback + short answers): no evaluation text, even up to case and
    # a final full stop or exclamation mark.
    def key(text: str) -> str:
        return text.strip().lower().rstrip(".!")

    train_texts = {key(e.text) for e in written_corpus("train")}
    assert {e.dataset for e in written_corpus("train")} == {"feedback", "short", "short4"}
    shared = {
        (name, key(e.text))
        for name, examples in training.evaluation_sets().items()
        for e in examples
        if key(e.text) in train_texts
    }
    # One stock non-answer of round 13's held-out quarter (neutral, so it counts towards no
    # positive-vs-negative figure) was written by the first short-answer author too.
    assert shared == {("short14_heldout", "nichts")}
    evaluation = [e for examples in training.evaluation_sets().values() for e in examples]
    assert all(e.split in ("", "heldout", "eval") for e in evaluation)
    assert all(e.split == "eval" for e in german_reviews())


def test_short_answers_and_blind_set() -> None:
    from collections import Counter

    from training.datasets import blind_short_de, short_answers

    sets = training.evaluation_sets()
    assert len(sets["short_heldout"]) == 110 and len(sets["blind_short"]) == 150
    assert Counter(e.label for e in blind_short_de()) == {
        "negative": 60, "positive": 60, "neutral": 30,
    }  # fmt: skip
    train = short_answers("train")
    assert Counter(e.language for e in train) == {"de": 250, "en": 86}
    assert all(len(e.text.split()) <= 13 for e in train + blind_short_de())


def test_v4_short_answers_are_split_and_apart_from_every_other_file() -> None:
    from collections import Counter

    from training.datasets import TRAINING_DIR, short_answers_v4

    train, heldout = short_answers_v4("train"), short_answers_v4("heldout")
    assert len(train) == 206 and len(heldout) == 66
    assert Counter(e.label for e in heldout) == {"negative": 31, "positive": 29, "neutral": 6}
    assert training.evaluation_sets()["short4_heldout"] == heldout

    def key(text: str) -> str:
        return text.strip().lower().rstrip(".!?")

    mine = {key(e.text) for e in train + heldout}
    assert len(mine) == len(train) + len(heldout)
    for path in (TRAINING_DIR / "data").glob("*.jsonl"):
        if path.name == "survey_short4_de.jsonl":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            assert not isinstance(row.get("text"), str) or key(row["text"]) not in mine, path


def test_v7_short_answers_are_split_and_apart_from_every_other_file() -> None:
    from collections import Counter

    from training.datasets import TRAINING_DIR, short_answers_v7

    train, heldout = short_answers_v7("train"), short_answers_v7("heldout")
    assert len(train) == 68 and len(heldout) == 22
    assert Counter(e.label for e in heldout) == {"negative": 12, "positive": 8, "neutral": 2}
    assert training.evaluation_sets()["short7_heldout"] == heldout
    assert not any(e.dataset == "short7" for e in training.v6_training_set())

    def key(text: str) -> str:
        return text.strip().lower().rstrip(".!?")

    mine = {key(e.text) for e in train + heldout}
    assert len(mine) == len(train) + len(heldout)
    for path in (TRAINING_DIR / "data").glob("*.jsonl"):
        if path.name == "survey_short7_de.jsonl":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            assert not isinstance(row.get("text"), str) or key(row["text"]) not in mine, path


def test_metrics_auc_and_mixed_counts_as_neutral() -> None:
    ex = [Example("a", "positive", "en", "x"), Example("b", "negative", "en", "x"),
          Example("c", "positive", "en", "x"), Example("d", "neutral", "en", "x")]  # fmt: skip
    # Polar scores: pos 0.4, neg 0.1, pos -0.2. Pairs (pos, neg): (0.4 > 0.1) yes,
    # (-0.2 > 0.1) no -> AUC 1/2; signs right: 0.4 (+), 0.1 (wrong), -0.2 (wrong) -> 1/3.
    m = training.metrics(
        ex, [("positive", 0.4), ("positive", 0.1), ("negative", -0.2), ("mixed", 0.0)]
    )
    assert m["auc"] == 0.5
    assert m["pos_neg_accuracy"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["accuracy"] == 0.5  # a (right), b (wrong), c (wrong), d: mixed = neutral (right)


def test_binary_rows_balance_classes_and_soften_neutral() -> None:
    ex = [Example("p1", "positive", "de", "w"), Example("p2", "positive", "de", "w"),
          Example("n", "negative", "de", "w"), Example("z", "neutral", "de", "w")]  # fmt: skip
    X = np.eye(4, dtype=np.float32)
    rows, y, w = training._binary_rows(X, ex, source_weight=0.6)
    # The neutral text appears twice (target 0 and 1) at half weight.
    assert rows.shape == (5, 4) and list(y) == [1, 1, 0, 0, 1]
    # Class totals equal (1/3 of 0.6 = 0.2 each); per row: positives 0.1, negative 0.2,
    # neutral halves 0.1 + 0.1.
    assert w == pytest.approx([0.1, 0.1, 0.2, 0.1, 0.1])
    assert w.sum() == pytest.approx(0.6)


def test_folds_are_stratified_and_deterministic() -> None:
    ex = [Example(str(i), ["positive", "negative"][i % 2], ["de", "fr"][i // 10], "w")
          for i in range(20)]  # fmt: skip
    f = training.folds(ex, k=5)
    assert f == training.folds(ex, k=5)
    # 4 strata (language x label) of 5 texts: every fold holds one text of each stratum.
    for k in range(5):
        members = [ex[i] for i in range(20) if f[i] == k]
        assert sorted((e.language, e.label) for e in members) == sorted(
            {(e.language, e.label) for e in ex}
        )


def test_best_margin_maximises_macro_f1() -> None:
    ex = [Example("a", "positive", "de", "w"), Example("b", "neutral", "de", "w"),
          Example("c", "negative", "de", "w")]  # fmt: skip
    # |0.1| must fall inside the band and 0.7 / -0.6 outside: every grid margin from 0.10 to
    # 0.58 (25 values, scores equal to the margin are neutral) gives F1 1; the median is 0.34.
    margin, f1 = training.best_margin(np.array([0.7, 0.1, -0.6]), ex)
    assert margin == pytest.approx(0.34) and f1 == 1.0


def test_answers_are_segmented_as_served() -> None:
    ex = [Example("Essen super. Aber der Service war eine Frechheit.", "neutral", "de", "w"),
          Example("Gut", "positive", "de", "w")]  # fmt: skip
    flat, groups = training.segment_texts(ex)
    assert flat == ["Essen super.", "Aber der Service war eine Frechheit.", "Gut"]
    assert len(groups[0]) == 2 and len(groups[1]) == 1 and groups[1].start == 2
    scores = training.answer_scores(np.array([0.8, -0.6, 0.5]), groups)
    assert scores == pytest.approx([0.1, 0.5])


def test_evaluation_scores_answers_by_the_served_rule_or_the_plain_mean() -> None:
    from dataclasses import dataclass

    from nlp_service.analysis.sentiment import Sentiment

    table = {"Paket kam zu spät.": -0.6, "Ruf mich an.": 0.08, "Alles super.": 0.9, "Danke.": 0.05}

    @dataclass
    class Fixed:
        id: str = "fixed"
        neutral_margin: float = 0.4

        def segments(self, texts: Sequence[str]) -> list[Sentiment]:
            return [Sentiment("x", table[t]) for t in texts]

    ex = [Example("Paket kam zu spät. Ruf mich an.", "negative", "de", "x"),
          Example("Alles super. Danke.", "positive", "de", "x")]  # fmt: skip
    # Served rule (floor 0.1): -0.6 -> negative, 0.9 -> positive: both right.
    served = training.evaluate_scorer(Fixed(), {"s": ex})["s/de"]
    assert served["accuracy"] == 1.0 and served["pos_neg_accuracy"] == 1.0
    # Plain mean: (-0.6 + 0.08) / 2 = -0.26 inside the band of two opinions, 0.4 / sqrt(2) =
    # 0.283 -> neutral (wrong); (0.9 + 0.05) / 2 = 0.475 -> positive. The signs stay right.
    plain = training.evaluate_scorer(Fixed(), {"s": ex}, floor=0.0)["s/de"]
    assert plain["accuracy"] == 0.5 and plain["pos_neg_accuracy"] == 1.0


def test_v9_short_answers_are_split_and_only_their_train_split_is_fine_tuned_on() -> None:
    from collections import Counter

    from training.datasets import short_answers_v9
    from training.sentiment.corpora import training_corpus

    train, heldout = short_answers_v9("train"), short_answers_v9("heldout")
    assert len(train) == 316 and len(heldout) == 104
    assert Counter(e.label for e in heldout) == {"negative": 42, "positive": 42, "neutral": 20}
    assert training.evaluation_sets()["short9_heldout"] == heldout
    # The round-9 LoRA corpus: train splits + the dev short sets; never a heldout split,
    # blind4_short, german_reviews or german_reviews_blind2.
    corpus = training_corpus("v9")
    assert {e.dataset for e in corpus} == {
        "feedback", "short", "short4", "short6", "short7", "short9",
        "blind_short", "blind2_short", "blind3_short",
    }  # fmt: skip
    assert all(e.split in ("train", "eval") for e in corpus)
    used = {e.text for e in corpus}
    sets = training.evaluation_sets()
    never = (
        "blind4_short",
        "blind5_short",
        "german_reviews",
        "german_reviews_blind2",
        "feedback_heldout",
    )
    for name in (*never, "short_heldout", "short4_heldout", "short7_heldout", "short9_heldout"):
        assert not used & {e.text for e in sets[name]}, name
    assert {e.dataset for e in training_corpus("written")} == {"feedback", "short", "short4"}
