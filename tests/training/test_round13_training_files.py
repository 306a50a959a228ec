"""The round-13 training file (survey_short14_de.jsonl for sentiment): the counts and fields its
card states, a held-out quarter that the sentiment corpus never trains on, and corpus v14 (v13 +
the dev set blind9_short + short14's train split) without a line of the round's blind set."""

from collections import Counter

from tests.helpers import blind_sets
from training import datasets
from training.sentiment.corpora import CORPUS_FILES, training_corpus

SHORT_FIELDS = ["id", "text", "language", "label", "pattern", "words", "split"]


def test_short14_counts_fields_and_split() -> None:
    rows = blind_sets.rows(datasets.SHORT14_DE)
    assert [list(r) for r in rows] == [SHORT_FIELDS] * 400
    assert [r["id"] for r in rows] == [f"short14-de-{i:03d}" for i in range(1, 401)]
    assert Counter(r["label"] for r in rows) == {"negative": 160, "positive": 160, "neutral": 80}
    assert Counter(r["label"] for r in rows if r["split"] == "heldout") == {
        "negative": 40,
        "positive": 40,
        "neutral": 20,
    }
    assert {r["split"] for r in rows} == {"train", "heldout"}
    assert {r["language"] for r in rows} == {"de"}
    assert all(r["words"] == len(r["text"].split()) for r in rows)


def test_corpus_v14_adds_blind9_and_short14_train_but_no_heldout_or_blind10_line() -> None:
    corpus = {e.text for e in training_corpus("v14")}
    assert {e.text for e in training_corpus("v13")} < corpus
    assert {e.text for e in datasets.blind9_short_de()} <= corpus
    assert {e.text for e in datasets.short_answers_v14("train")} <= corpus
    assert len(datasets.short_answers_v14("heldout")) == 100
    # Three stock non-answers of the held-out quarter were written by earlier authors too (all
    # neutral, so they count towards no positive-vs-negative figure); nothing else is shared.
    assert corpus & {e.text for e in datasets.short_answers_v14("heldout")} == {"-", "egal", "xx"}
    # blind10's one shared line is "ka" (keine Ahnung), a neutral stock non-answer of
    # survey_short9_de's train split (its card)
    assert corpus & {e.text for e in datasets.blind10_short_de()} == {"ka"}
    assert CORPUS_FILES["v14"][-2:] == [
        "training/data/short_answers_blind9_de.jsonl (all; a dev set since round 12)",
        "training/data/survey_short14_de.jsonl (split train)",
    ]
