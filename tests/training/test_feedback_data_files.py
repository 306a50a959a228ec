"""Project-written feedback sentiment files are well-formed and keep eval apart from training."""

import json
from pathlib import Path

import pytest

from training.data.validate_feedback_jsonl import check

DATA = Path(__file__).resolve().parents[2] / "training" / "data"
TRAINING_FILES = ["feedback_sentiment_nl", "feedback_sentiment_fr", "feedback_sentiment_en"]
EVAL_FILE = "german_reviews_eval"


def _rows(stem: str) -> list[dict[str, object]]:
    with open(DATA / f"{stem}.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.mark.parametrize("stem", [*TRAINING_FILES, EVAL_FILE])
def test_file_is_clean_and_has_a_card(stem: str) -> None:
    assert check(str(DATA / f"{stem}.jsonl")) == []
    card = (DATA / f"{stem}.md").read_text(encoding="utf-8")
    assert card.count("written by the nlp-service project") == 1


@pytest.mark.parametrize("stem", TRAINING_FILES)
def test_training_files_split_train_and_heldout_only(stem: str) -> None:
    rows = _rows(stem)
    assert len(rows) >= 200
    assert {r["split"] for r in rows} == {"train", "heldout"}
    heldout = sum(r["split"] == "heldout" for r in rows) / len(rows)
    assert 0.2 <= heldout <= 0.3


def test_german_eval_is_eval_only_long_and_disjoint_from_training() -> None:
    rows = _rows(EVAL_FILE)
    assert len(rows) == 160
    assert {r["split"] for r in rows} == {"eval"}
    assert {r["length"] for r in rows} == {"long"}
    labels = [r["label"] for r in rows]
    counts = (labels.count("negative"), labels.count("neutral"), labels.count("positive"))
    assert counts == (70, 20, 70)
    training_texts = {r["text"] for stem in TRAINING_FILES for r in _rows(stem)}
    assert not any(r["text"] in training_texts for r in rows)


def test_check_reports_each_kind_of_bad_line(tmp_path: Path) -> None:
    good = {
        "id": "x-1",
        "text": "Fine.",
        "language": "en",
        "label": "positive",
        "domain": "shop",
        "length": "short",
        "phenomena": [],
        "split": "train",
    }
    lines = [
        good,
        {**good, "text": "Other."},  # duplicate id
        {**good, "id": "x-2", "text": " fine. "},  # duplicate text after lower-casing and trimming
        {**good, "id": "x-3", "text": "Damn.", "phenomena": ["profanity"]},  # must be negative
        {**good, "id": "x-4", "text": "Meh.", "label": "mixed"},  # not an allowed label
    ]
    path = tmp_path / "bad.jsonl"
    text = "\n".join(json.dumps(line) for line in lines) + "\nnot json\n"
    path.write_text(text, encoding="utf-8")
    problems = check(str(path))
    assert len(problems) == 5
    assert [p.split(": ", 1)[0].rsplit(":", 1)[1] for p in problems] == ["2", "3", "4", "5", "6"]
