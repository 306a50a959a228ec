"""The sentiment blind sets of rounds 5 to 13 (short German answers and long German reviews): the
counts and fields their cards state, and no text shared with another training/data file, even
after lowercasing, umlaut folding and stripping punctuation (so no model, rule or lexicon entry
was written on them). One card per set below; the checks are the same for all. Evaluation only:
no model runs here."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import blind_sets
from training import datasets
from training.datasets import Example

FIELDS = {"id", "text", "language", "label", "split"}


@dataclass(frozen=True)
class Card:
    path: Path
    load: Callable[[], list[Example]]
    id_format: str  # e.g. "blind4-de-{:03d}"
    written: int  # lines the author wrote (ids 1..written)
    labels: dict[str, int]
    words: tuple[int, int]  # every text's length in words lies in this range
    short: tuple[int, float, float]  # (n, lo, hi): the share of texts under n words
    removed: frozenset[int] = field(default_factory=frozenset)  # ids dropped on merge (card)
    # ids another file repeats: one written after the set became a dev set, or an earlier
    # training file whose stock non-answer the author happened to write too (noted on the card)
    repeated: frozenset[int] = field(default_factory=frozenset)


CARDS = {
    "blind2_short": Card(
        datasets.BLIND2_SHORT_DE, datasets.blind2_short_de, "", 238,
        {"negative": 100, "positive": 98, "neutral": 40}, (1, 25), (8, 0.35, 0.45),
    ),
    # blind3-de-058 was removed at merge (near-equal to a survey_short7_de.jsonl line)
    "blind3_short": Card(
        datasets.BLIND3_SHORT_DE, datasets.blind3_short_de, "blind3-de-{:03d}", 260,
        {"negative": 110, "positive": 110, "neutral": 39}, (2, 25), (8, 0.40, 1.0),
        frozenset({58}),
    ),
    "german_reviews_blind2": Card(
        datasets.GERMAN_REVIEWS_BLIND2, datasets.german_reviews_blind2, "grb2-{:03d}", 80,
        {"negative": 40, "positive": 40}, (60, 250), (60, 0.0, 0.0),
    ),
    "blind4_short": Card(
        datasets.BLIND4_SHORT_DE, datasets.blind4_short_de, "blind4-de-{:03d}", 220,
        {"negative": 95, "positive": 95, "neutral": 30}, (1, 25), (8, 0.45, 1.0),
    ),
    # 093 and 135 were dropped on merge: the round-9 training file survey_short9_de (another
    # author, written the same hour) holds the same two stock phrases
    "blind5_short": Card(
        datasets.BLIND5_SHORT_DE, datasets.blind5_short_de, "blind5-de-{:03d}", 240,
        {"negative": 98, "positive": 100, "neutral": 40}, (1, 40), (10, 0.5, 0.7),
        frozenset({93, 135}),
    ),
    "blind6_short": Card(
        datasets.BLIND6_SHORT_DE, datasets.blind6_short_de, "blind6-de-{:03d}", 240,
        {"negative": 96, "positive": 96, "neutral": 48}, (1, 35), (10, 0.5, 0.65),
        # 098 ("xx") is repeated by survey_short13_de (round 12, a dev set by then)
        repeated=frozenset({98}),
    ),
    "blind7_short": Card(
        datasets.BLIND7_SHORT_DE, datasets.blind7_short_de, "blind7-de-{:03d}", 240,
        {"negative": 95, "positive": 95, "neutral": 50}, (1, 31), (10, 0.55, 0.65),
    ),
    "blind8_short": Card(
        datasets.BLIND8_SHORT_DE, datasets.blind8_short_de, "blind8-de-{:03d}", 240,
        {"negative": 95, "positive": 95, "neutral": 50}, (2, 27), (10, 0.6, 0.7),
    ),
    # 046 was dropped before its run: survey_short13_de (another author, written the same hour,
    # in lora-v13's corpus) holds the same sentence
    "blind9_short": Card(
        datasets.BLIND9_SHORT_DE, datasets.blind9_short_de, "blind9-de-{:03d}", 240,
        {"negative": 95, "positive": 95, "neutral": 49}, (2, 28), (10, 0.6, 0.7),
        frozenset({46}),
    ),
    # 007 and 122 were dropped before its run: survey_short14_de (another author, written the
    # same hour, in lora-v14's corpus) holds near-repeats of both (ratio 0.90 and 0.89); 090
    # ("ka", keine Ahnung) is also a line of survey_short9_de's train split (a neutral stock
    # non-answer every round-13 model trained on; found by this test after the run)
    "blind10_short": Card(
        datasets.BLIND10_SHORT_DE, datasets.blind10_short_de, "blind10-de-{:03d}", 240,
        {"negative": 93, "positive": 95, "neutral": 50}, (1, 28), (10, 0.7, 0.78),
        frozenset({7, 122}), repeated=frozenset({90}),
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CARDS))
def test_the_card_counts_and_exact_fields(name: str) -> None:
    card = CARDS[name]
    rows = blind_sets.rows(card.path)
    assert all(set(r) == FIELDS for r in rows)
    if card.id_format:
        assert [r["id"] for r in rows] == [
            card.id_format.format(i) for i in range(1, card.written + 1) if i not in card.removed
        ]
    assert len(rows) == card.written - len(card.removed)
    assert {r["split"] for r in rows} == {"eval"} and {r["language"] for r in rows} == {"de"}
    examples = card.load()
    assert Counter(e.label for e in examples) == card.labels
    words = [len(e.text.split()) for e in examples]
    assert all(card.words[0] <= n <= card.words[1] for n in words)
    limit, lo, hi = card.short
    assert lo <= sum(n < limit for n in words) / len(words) <= hi


@pytest.mark.parametrize("name", sorted(CARDS))
def test_its_texts_occur_nowhere_else_even_normalised(name: str) -> None:
    card = CARDS[name]
    others = blind_sets.other_texts({card.path})
    repeated = {card.id_format.format(i) for i in card.repeated}
    texts = [r["text"] for r in blind_sets.rows(card.path) if r["id"] not in repeated]
    normal = [blind_sets.normal(t) for t in texts]
    assert all(normal)  # no text is punctuation or emoji only
    assert len(set(normal)) == len(normal)
    assert not [t for t, n in zip(texts, normal, strict=True) if n in others]
