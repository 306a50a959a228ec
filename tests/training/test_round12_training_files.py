"""The three round-12 training files (survey_short12_de.jsonl and survey_short13_de.jsonl for
sentiment, flags_train_v12.jsonl for the flag classifier): the counts and fields their cards
state, held-out quarters that the sentiment corpus never trains on, and the registered loaders."""

from collections import Counter

import pytest

from tests.helpers import blind_sets
from training import datasets
from training.sentiment.corpora import training_corpus

SHORT_FIELDS = ["id", "text", "language", "label", "pattern", "words", "split"]


@pytest.mark.parametrize(
    ("path", "prefix", "labels", "heldout", "languages"),
    [
        (
            datasets.SHORT12_DE,
            "short12",
            {"negative": 170, "positive": 150, "neutral": 80},
            {"negative": 43, "positive": 37, "neutral": 20},
            {"de": 383, "en": 17},
        ),
        (
            datasets.SHORT13_DE,
            "short13",
            {"negative": 160, "positive": 160, "neutral": 80},
            {"negative": 40, "positive": 40, "neutral": 20},
            {"de": 400},
        ),
    ],
)
def test_round12_short_files_counts_fields_and_split(
    path, prefix, labels, heldout, languages
) -> None:
    rows = blind_sets.rows(path)
    assert [list(r) for r in rows] == [SHORT_FIELDS] * 400
    assert [r["id"] for r in rows] == [f"{prefix}-de-{i:03d}" for i in range(1, 401)]
    assert Counter(r["label"] for r in rows) == labels
    assert Counter(r["label"] for r in rows if r["split"] == "heldout") == heldout
    assert {r["split"] for r in rows} == {"train", "heldout"}
    assert Counter(r["language"] for r in rows) == languages
    assert all(r["words"] == len(r["text"].split()) for r in rows)


def test_corpus_v13_adds_blind8_and_both_train_splits_but_no_heldout_or_blind9_line() -> None:
    corpus = {e.text for e in training_corpus("v13")}
    assert {e.text for e in training_corpus("v12")} < corpus
    assert {e.text for e in datasets.blind8_short_de()} <= corpus
    for loader in (datasets.short_answers_v12, datasets.short_answers_v13):
        assert {e.text for e in loader("train")} <= corpus
        assert len(loader("heldout")) == 100
        assert not corpus & {e.text for e in loader("heldout")}
    assert not corpus & {e.text for e in datasets.blind9_short_de()}


def test_flags_train_v12_counts_and_fields() -> None:
    assert blind_sets.flag_file_counts("train_v12") == (
        300,
        {"de": 150, "en": 150},
        {"churn": 80, "legal": 35, "urgent": 35, "abuse": 10},
        150,
    )
