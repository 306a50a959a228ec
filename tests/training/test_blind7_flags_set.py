"""Blind set 7 (flags_blind7.jsonl): registered for measuring only, the counts its card states,
exact fields, and no text shared with another data file, even after lowercasing, umlaut folding
and stripping punctuation (so no model or rule was written on it)."""

import json
from collections import Counter

from tests.helpers import blind_sets
from training import flags as training

NEW = blind_sets.DATA / "flags_blind7.jsonl"
FIELDS = {"id", "text", "language", "flags", "note"}


def test_flags_blind7_is_registered_for_measuring_only() -> None:
    assert training.SETS["blind7"] == NEW
    for heads_sets in (
        training.HEADS_TRAIN_SETS,
        training.HEADS_V2_TRAIN_SETS,
        training.HEADS_V6_TRAIN_SETS,
        training.HEADS_V7_TRAIN_SETS,
    ):
        assert "blind7" not in heads_sets


def test_flags_blind7_has_the_card_counts_and_exact_fields() -> None:
    rows = [json.loads(x) for x in NEW.read_text("utf-8").splitlines()]
    assert all(set(r) == FIELDS for r in rows)
    assert [r["id"] for r in rows] == [f"blind7-{i:04d}" for i in range(1, 241)]
    assert all(isinstance(r["note"], str) and r["note"] for r in rows)
    examples = training.load_set("blind7")
    assert len(examples) == 240
    assert Counter(e.language for e in examples) == {"de": 120, "en": 120}
    ordinary = [e for e in examples if not e.flags]
    assert Counter(e.language for e in ordinary) == {"de": 75, "en": 75}
    hard = Counter(r["language"] for r in rows if r["note"].startswith("hard negative:"))
    assert hard == {"de": 57, "en": 56}
    assert all(r["note"].startswith(("hard negative:", "plain")) for r in rows if not r["flags"])
    flagged = [e for e in examples if e.flags]
    assert Counter(e.language for e in flagged) == {"de": 45, "en": 45}
    expected = {"legal": 16, "churn": 16, "urgent": 16, "abuse": 2}
    for t, per_language_count in expected.items():
        per_language = Counter(e.language for e in examples if t in e.flags)
        assert per_language == {"de": per_language_count, "en": per_language_count}, t
    assert sum(len(e.flags) == 2 for e in examples) == 10
    assert all(set(e.flags) <= {"legal", "churn", "urgent", "abuse"} for e in examples)
    words = [len(e.text.split()) for e in examples]
    assert min(words) >= 4 and max(words) <= 70


def test_blind7_texts_occur_nowhere_else_even_normalised() -> None:
    others = blind_sets.other_texts({NEW})
    texts = [json.loads(x)["text"] for x in NEW.read_text("utf-8").splitlines()]
    normal = [blind_sets.normal(t) for t in texts]
    assert len(set(normal)) == len(normal)
    assert not [t for t, n in zip(texts, normal, strict=True) if n in others]
