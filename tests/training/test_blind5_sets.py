"""Round-5 blind sets (flags_blind5.jsonl, short_answers_blind2_de.jsonl): registered for
measuring only, the counts their cards state, and no text shared with another data file, even
after lowercasing and stripping punctuation (so no model or rule was written on them)."""

import json
from collections import Counter

from tests.helpers import blind_sets
from training import flags as training
from training.datasets import BLIND2_SHORT_DE, blind2_short_de

NEW = {blind_sets.DATA / "flags_blind5.jsonl", BLIND2_SHORT_DE}


def test_flags_blind5_is_registered_counted_and_never_trained_on() -> None:
    examples = training.load_set("blind5")
    assert len(examples) == 240
    assert Counter(e.language for e in examples) == {"de": 120, "en": 120}
    ordinary = [e for e in examples if not e.flags]
    assert Counter(e.language for e in ordinary) == {"de": 75, "en": 75}
    for t in ("legal", "churn", "urgent"):
        per_language = Counter(e.language for e in examples if t in e.flags)
        assert per_language["de"] >= 15 and per_language["en"] >= 15, t
    assert "blind5" not in training.HEADS_TRAIN_SETS
    assert "blind5" not in training.HEADS_V6_TRAIN_SETS
    assert "blind5" not in training.HEADS_V2_TRAIN_SETS
    line = training.SETS["blind5"].read_text("utf-8").splitlines()[0]
    assert set(json.loads(line)) == {"id", "text", "language", "flags", "note"}


def test_short_blind2_has_the_card_counts_and_fields() -> None:
    rows = [json.loads(x) for x in BLIND2_SHORT_DE.read_text("utf-8").splitlines()]
    assert all(set(r) == {"id", "text", "language", "label", "split"} for r in rows)
    assert {r["split"] for r in rows} == {"eval"} and {r["language"] for r in rows} == {"de"}
    examples = blind2_short_de()
    assert Counter(e.label for e in examples) == {"negative": 100, "positive": 98, "neutral": 40}
    words = [len(e.text.split()) for e in examples]
    assert all(1 <= n <= 25 for n in words)
    assert 0.35 <= sum(n < 8 for n in words) / len(words) <= 0.45


def test_blind_texts_occur_nowhere_else_even_normalised() -> None:
    others = blind_sets.other_texts(NEW)
    for path in NEW:
        texts = [json.loads(x)["text"] for x in path.read_text("utf-8").splitlines()]
        normal = [blind_sets.normal(t) for t in texts]
        assert len(set(normal)) == len(normal), path.name
        assert not [t for t, n in zip(texts, normal, strict=True) if n in others], path.name
