"""The lexical layer on the fine-tuned model (kind e5-lora): the card's `lexicon` and
`negation_rule`, applied by the same `apply_segment_rules` as for heads."""

import numpy as np
import pytest

from nlp_service.analysis.lexicon_blend import BlendParams
from nlp_service.analysis.sentiment import PolarityHead
from nlp_service.analysis.sentiment_lora import LoraE5Sentiment, rules_tag
from nlp_service.analysis.sentiment_rules import apply_segment_rules
from nlp_service.paths import MODELS_DIR


class _FlatEncoder:
    """Stands in for the adapted e5: every text gets the same unit vector."""

    def encode(self, texts, prefix="query"):
        v = np.zeros((len(texts), 4), np.float32)
        v[:, 0] = 1.0
        return v


def _model(lexicon: BlendParams | None, negation_rule: bool) -> LoraE5Sentiment:
    head = PolarityHead(
        np.array([0.1, 0, 0, 0], np.float32), 0.0, "e5lora:t", "t",
        negation_rule=negation_rule, lexicon=lexicon,
    )  # fmt: skip
    model = LoraE5Sentiment.__new__(LoraE5Sentiment)
    model.e5, model.head, model.version = _FlatEncoder(), head, "t"  # type: ignore[assignment]
    model.neutral_margin, model.card, model.id = 0.2, {}, "head:t"
    return model


TEXTS = ["Eine einzige Katastrophe.", "Super freundlich, gerne wieder!", "Lief problemlos."]


def test_lora_model_applies_the_cards_lexical_layer_like_a_head() -> None:
    params = BlendParams(0.8, 8.0, 8)
    model = _model(params, negation_rule=True)
    raw = model.scores(TEXTS)
    assert np.allclose(raw, raw[0]) and abs(raw[0]) < 0.2  # the stand-in encoder says nothing
    served = [s.score for s in model.predict(None, TEXTS)]
    expected = apply_segment_rules(raw, TEXTS, True, params)
    assert served == pytest.approx([round(float(s), 4) for s in expected])
    labels = [s.label for s in model.predict(None, TEXTS)]
    assert labels == ["negative", "positive", "positive"]
    # Without a layer in the card the scores are the model's own (the 20261126-e5-lora folder).
    plain = _model(None, negation_rule=False)
    assert [s.label for s in plain.predict(None, TEXTS)] == ["neutral"] * 3
    assert model.predict(None, []) == []


def test_cached_lora_scores_are_keyed_by_the_lexical_layer() -> None:
    assert rules_tag(_model(None, False).head) == ""  # old score caches stay valid
    tags = {rules_tag(_model(BlendParams(w, 8.0, 8), True).head) for w in (0.5, 0.65, 0.8)}
    assert len(tags) == 3 and all(t.startswith(":rules-8/") for t in tags)


V9 = MODELS_DIR / "sentiment" / "20261126-e5-lora-v9"


@pytest.mark.slow
@pytest.mark.skipif(not V9.is_dir(), reason="20261126-e5-lora-v9 not shipped")
def test_lora_v9_folder_loads_with_lexicon_8_and_scores_insult_and_praise() -> None:
    model = LoraE5Sentiment(V9, threads=2)
    assert model.head.lexicon is not None and model.head.lexicon.version == 8
    assert sum(p.stat().st_size for p in V9.iterdir()) < 6_500_000
    never = " ".join(model.card["data"]["never_trained_on"])
    assert all(name in never for name in ("blind4_short", "german_reviews_blind2", "heldout"))
    out = model.predict(None, ["Ihr seid doch alle Idioten.", "Tolle Beratung, vielen Dank!"])
    assert out[0].label == "negative" and out[1].label == "positive"


def _shipped_lora(
    version: str, never: tuple[str, ...], trained: tuple[str, ...], unseen: tuple[str, ...]
) -> LoraE5Sentiment:
    """A shipped fine-tuned model loaded as served, with what every round's card promises:
    lexicon layer 8, under 6.5 MB, the sets it never saw named in `never_trained_on`, the files
    `trained` among `trained_on` and none of `unseen` (the blind set that chose it)."""
    folder = MODELS_DIR / "sentiment" / version
    model = LoraE5Sentiment(folder, threads=2)
    assert model.head.lexicon is not None and model.head.lexicon.version == 8
    assert sum(p.stat().st_size for p in folder.iterdir()) < 6_500_000
    data = model.card["data"]
    never_trained_on = " ".join(data["never_trained_on"])
    assert all(name in never_trained_on for name in never)
    trained_on = " ".join(data["trained_on"])
    assert all(name in trained_on for name in trained)
    assert not any(name in trained_on for name in unseen)
    return model


@pytest.mark.slow
@pytest.mark.parametrize(
    ("version", "never", "trained", "unseen"),
    [
        # round 10's default, chosen on blind6
        (
            "20261126-e5-lora-v10",
            ("blind6_short", "german_reviews_blind2", "heldout"),
            ("short_answers_blind5_de", "survey_short10_de.jsonl (split train)"),
            ("blind6", "german_reviews"),
        ),
        # round 11's first candidate, measured on blind7 (not served)
        (
            "20261127-e5-lora-v11",
            ("blind7_short", "german_reviews_blind2", "short11"),
            ("short_answers_blind6_de", "survey_short11_de.jsonl (split train)"),
            ("blind7", "german_reviews"),
        ),
    ],
)
def test_lora_never_saw_the_blind_set_that_measured_it(
    version: str, never: tuple[str, ...], trained: tuple[str, ...], unseen: tuple[str, ...]
) -> None:
    model = _shipped_lora(version, never, trained, unseen)
    out = model.predict(None, ["Ihr seid doch alle Idioten.", "Tolle Beratung, vielen Dank!"])
    assert out[0].label == "negative" and out[1].label == "positive"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("version", "never", "trained", "unseen"),
    [
        # round 11's default, chosen on blind8
        (
            "20261127-e5-lora-v12",
            ("blind8_short", "german_reviews_blind2", "short11"),
            ("short_answers_blind7_de", "short_answers_blind6_de"),
            ("blind8", "german_reviews"),
        ),
        # round 12's default, chosen on blind9
        (
            "20261127-e5-lora-v13",
            ("blind9_short", "german_reviews_blind2", "short12", "short13"),
            (
                "short_answers_blind8_de",
                "survey_short12_de.jsonl (split train)",
                "survey_short13_de.jsonl (split train)",
            ),
            ("blind9", "german_reviews"),
        ),
        # round 13's candidates, measured on blind10: v14 trained 30% of its German answers as
        # typed on a phone, v14a (the ablation) none
        *(
            (
                version,
                ("blind10_short", "german_reviews_blind2", "short14"),
                ("short_answers_blind9_de", "survey_short14_de.jsonl (split train)"),
                ("blind10", "german_reviews"),
            )
            for version in ("20261127-e5-lora-v14", "20261127-e5-lora-v14a")
        ),
    ],
)
def test_later_lora_models_never_saw_the_sets_that_measured_them_and_read_the_issues_examples(
    version: str, never: tuple[str, ...], trained: tuple[str, ...], unseen: tuple[str, ...]
) -> None:
    model = _shipped_lora(version, never, trained, unseen)
    # issue 9's three examples, which lora-v11 got wrong (the second one: neutral)
    out = model.predict(
        None,
        [
            "Ihr seid die letzten Vollidioten, euer Scheißladen kann mich mal.",
            "Produktqualität hat stark nachgelassen, die Naht ist nach zwei Wochen gerissen.",
            "Zahlung per PayPal lief problemlos.",
        ],
    )
    assert [s.label for s in out] == ["negative", "negative", "positive"]
