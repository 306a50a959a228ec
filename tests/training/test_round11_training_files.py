"""The two round-11 training files (survey_short11_de.jsonl for sentiment, flags_train_v11.jsonl
for the flag classifier): the counts and fields their cards state, a held-out quarter that the
sentiment corpus never trains on, and the registered loaders."""

from collections import Counter

from tests.helpers import blind_sets
from training import datasets
from training.sentiment.corpora import training_corpus

SHORT11_FIELDS = ["id", "text", "language", "label", "pattern", "words", "split"]


def test_short11_counts_fields_and_split() -> None:
    rows = blind_sets.rows(datasets.SHORT11_DE)
    assert [list(r) for r in rows] == [SHORT11_FIELDS] * 399
    # 276 ("nix") was dropped at merge: survey_short_de's train split holds the same word
    assert [r["id"] for r in rows] == [f"short11-de-{i:03d}" for i in range(1, 401) if i != 276]
    assert Counter(r["label"] for r in rows) == {"negative": 150, "positive": 150, "neutral": 99}
    assert all((r["split"] == "heldout") == (int(r["id"][-3:]) % 4 == 0) for r in rows)
    assert all(r["words"] == len(r["text"].split()) for r in rows)
    assert len(datasets.short_answers_v11("heldout")) == 99


def test_corpus_v11_adds_blind6_and_short11_train_but_no_heldout_line() -> None:
    corpus = {e.text for e in training_corpus("v11")}
    v10 = {e.text for e in training_corpus("v10")}
    assert v10 < corpus
    assert {e.text for e in datasets.short_answers_v11("train")} <= corpus
    assert {e.text for e in datasets.blind6_short_de()} <= corpus
    assert not corpus & {e.text for e in datasets.short_answers_v11("heldout")}
    assert not corpus & {e.text for e in datasets.blind7_short_de()}


def test_flags_train_v11_counts_and_fields() -> None:
    assert blind_sets.flag_file_counts("train_v11") == (
        300,
        {"de": 150, "en": 150},
        {"legal": 50, "churn": 50, "urgent": 50, "abuse": 10},
        150,
    )
