"""The project-written corpora the fine-tuned sentiment model (kind "e5-lora") trains on: what
each corpus adds to the one before it, the files its model card names, and what it never
contains."""

from __future__ import annotations

from collections.abc import Callable

from training.datasets import (
    Example,
    blind2_short_de,
    blind3_short_de,
    blind4_short_de,
    blind5_short_de,
    blind6_short_de,
    blind7_short_de,
    blind8_short_de,
    blind9_short_de,
    blind_short_de,
    short_answers_v6,
    short_answers_v7,
    short_answers_v9,
    short_answers_v10,
    short_answers_v11,
    short_answers_v12,
    short_answers_v13,
    short_answers_v14,
    written_corpus,
)

# The corpora `train_lora` can fine-tune on (`_CORPUS_ADDITIONS` below). "written": the written
# train splits (feedback de/en/fr/nl, survey_short de/en, short4). "v9" (round 9): those + the
# train splits of short6, short7 and short9 + the dev short sets blind_short, blind2_short,
# blind3_short (whole files). Never in either: heldout splits, blind4_short, german_reviews,
# german_reviews_blind2, later blind sets.
# "v10" (round 10): v9 + the dev short sets blind4_short and blind5_short (whole files) + the
# train split of short10 (a new author). Never in it: heldout splits, german_reviews,
# german_reviews_blind2, blind6_short.
# "v11" (round 11): v10 + the dev short set blind6_short (whole file) + the train split of
# short11 (a new author). Never in it: heldout splits, german_reviews, german_reviews_blind2,
# blind7_short.
# "v12" (round 11, second candidate): v11 + the dev short set blind7_short (whole file). Never in
# it: heldout splits, german_reviews, german_reviews_blind2, blind8_short.
# "v13" (round 12): v12 + the dev short set blind8_short (whole file) + the train splits of
# short12 and short13 (two new authors). Never in it: heldout splits, german_reviews,
# german_reviews_blind2, blind9_short.
NEVER_TRAINED_ON_V10 = [
    "every heldout split (feedback, survey_short, short4, short7, short9, short10)",
    "german_reviews (german_reviews_eval.jsonl)",
    "german_reviews_blind2",
    "blind6_short and later blind sets",
    "survey_answers_labeled.jsonl (survey_fixture)",
    "tweets test, drug_reviews test",
]
NEVER_TRAINED_ON_V11 = [
    "every heldout split (feedback, survey_short, short4, short7, short9, short10, short11)",
    "german_reviews (german_reviews_eval.jsonl)",
    "german_reviews_blind2",
    "blind7_short and later blind sets",
    "survey_answers_labeled.jsonl (survey_fixture)",
    "tweets test, drug_reviews test",
]
NEVER_TRAINED_ON_V12 = [
    *(x for x in NEVER_TRAINED_ON_V11 if not x.startswith("blind7_short")),
    "blind8_short and later blind sets",
]
NEVER_TRAINED_ON_V13 = [
    "every heldout split (feedback, survey_short, short4, short7, short9, short10, short11,"
    " short12, short13)",
    *(x for x in NEVER_TRAINED_ON_V12 if not x.startswith(("blind8_short", "every heldout"))),
    "blind9_short and later blind sets",
]
# "v14" (round 13): v13 + the dev short set blind9_short (whole file) + the train split of
# short14 (a new author). Never in it: heldout splits, german_reviews, german_reviews_blind2,
# blind10_short.
NEVER_TRAINED_ON_V14 = [
    "every heldout split (feedback, survey_short, short4, short7, short9, short10, short11,"
    " short12, short13, short14)",
    *(x for x in NEVER_TRAINED_ON_V13 if not x.startswith(("blind9_short", "every heldout"))),
    "blind10_short and later blind sets",
]
NEVER_TRAINED_ON = [
    "blind4_short (short_answers_blind4_de.jsonl)",
    "every heldout split (feedback, survey_short, short4, short7, short9)",
    "german_reviews (german_reviews_eval.jsonl)",
    "german_reviews_blind2",
    "later blind sets",
    "survey_answers_labeled.jsonl (survey_fixture)",
    "tweets test, drug_reviews test",
]
NEVER_TRAINED_ON_BY_CORPUS = {
    "v10": NEVER_TRAINED_ON_V10,
    "v11": NEVER_TRAINED_ON_V11,
    "v12": NEVER_TRAINED_ON_V12,
    "v13": NEVER_TRAINED_ON_V13,
    "v14": NEVER_TRAINED_ON_V14,
}


# What each corpus adds to the one before it, and the files that names on the model card (a
# corpus is the previous one plus its additions, in this order, so the fold split of an older
# corpus stays reproducible).
_CORPUS_ADDITIONS: dict[str, tuple[Callable[[], list[Example]], tuple[str, ...]]] = {
    "written": (lambda: written_corpus("train"), (
        "training/data/feedback_sentiment_{de,en,fr,nl}.jsonl (split train)",
        "training/data/survey_short_{de,en}.jsonl (split train)",
        "training/data/survey_short4_de.jsonl (split train)",
    )),
    "v9": (lambda: short_answers_v6("train") + short_answers_v7("train")
    + short_answers_v9("train") + blind_short_de() + blind2_short_de() + blind3_short_de(), (
        "training/data/survey_short6_de.jsonl (split train)",
        "training/data/survey_short7_de.jsonl (split train)",
        "training/data/survey_short9_de.jsonl (split train)",
        "training/data/short_answers_blind_de.jsonl (all; a dev set)",
        "training/data/short_answers_blind2_de.jsonl (all; a dev set)",
        "training/data/short_answers_blind3_de.jsonl (all; a dev set)",
    )),
    # round 10: the dev sets blind4/blind5 (each decided a default in round 8/9) and the new
    # author's train split
    "v10": (lambda: blind4_short_de() + blind5_short_de() + short_answers_v10("train"), (
        "training/data/short_answers_blind4_de.jsonl (all; a dev set since round 8)",
        "training/data/short_answers_blind5_de.jsonl (all; a dev set since round 9)",
        "training/data/survey_short10_de.jsonl (split train)",
    )),
    # round 11: the dev set blind6_short (it decided round 10's default) and the new author's
    # train split
    "v11": (lambda: blind6_short_de() + short_answers_v11("train"), (
        "training/data/short_answers_blind6_de.jsonl (all; a dev set since round 10)",
        "training/data/survey_short11_de.jsonl (split train)",
    )),
    # round 11, second candidate: the dev set blind7_short (it decided lora-v11)
    "v12": (blind7_short_de, (
        "training/data/short_answers_blind7_de.jsonl (all; a dev set since round 11's first run)",
    )),
    # round 12: the dev set blind8_short (it decided lora-v12) and two new authors' train splits
    "v13": (lambda: blind8_short_de() + short_answers_v12("train") + short_answers_v13("train"), (
        "training/data/short_answers_blind8_de.jsonl (all; a dev set since round 11's second run)",
        "training/data/survey_short12_de.jsonl (split train)",
        "training/data/survey_short13_de.jsonl (split train)",
    )),
    # round 13: the dev set blind9_short (it decided lora-v13) and a new author's train split
    "v14": (lambda: blind9_short_de() + short_answers_v14("train"), (
        "training/data/short_answers_blind9_de.jsonl (all; a dev set since round 12)",
        "training/data/survey_short14_de.jsonl (split train)",
    )),
}  # fmt: skip
CORPORA = tuple(_CORPUS_ADDITIONS)
# The files each corpus was read from, as its model card names them (`trained_on`).
CORPUS_FILES = {
    corpus: [f for name in CORPORA[: i + 1] for f in _CORPUS_ADDITIONS[name][1]]
    for i, corpus in enumerate(CORPORA)
}


def training_corpus(corpus: str) -> list[Example]:
    """The project-written answers of one of `CORPORA`."""
    if corpus not in CORPORA:
        raise ValueError(f"unknown corpus {corpus!r}; choose from {CORPORA}")
    out: list[Example] = []
    for name in CORPORA[: CORPORA.index(corpus) + 1]:
        out += _CORPUS_ADDITIONS[name][0]()
    return out
