"""The served fine-tuned flag classifier (round 10's recipe; v13 since round 12), loaded from
models/flags like the service loads it: the issue's praise examples stay unflagged, intent
without cue words is flagged, and in the pipeline it replaces the heads (no base e5 pass for
flags)."""

from pathlib import Path

import numpy as np
import pytest

from nlp_service.analysis.answer_input import AnswerInput
from nlp_service.analysis.flags import FlagClassifier, FlagType, detect_flags, resolve_heads_folder
from nlp_service.analysis.flags.classifier import CARD, is_classifier_folder
from nlp_service.analysis.pipeline import Pipeline
from nlp_service.config import Settings
from nlp_service.errors import ModelError

VERSION = "20261127-flags-lora-v13"
MODELS = Path(__file__).resolve().parents[2] / "models"


@pytest.fixture(scope="module")
def classifier() -> FlagClassifier:
    return FlagClassifier(MODELS / "flags" / VERSION, threads=2)


@pytest.fixture(scope="module")
def classifier_pipeline(settings: Settings) -> Pipeline:
    return Pipeline.from_settings(settings.model_copy(update={"flag_heads": VERSION}))


def _types(text: str, classifier: FlagClassifier) -> set[str]:
    return {f.type.value for f in detect_flags(text, classifier=classifier, language="de")}


@pytest.mark.parametrize(
    "text",
    [
        # the examples: trigger words in praise
        "Die Lieferung kam einen Tag früher als angekündigt, super!",
        "Der Techniker kam sofort, top!",
        "Mein Anwalt hat mir euren Tarif empfohlen, bin sehr zufrieden.",
        "The cancellation of my extra order was quick and easy, thanks.",
    ],
)
def test_praise_with_trigger_words_is_not_flagged(text: str, classifier: FlagClassifier) -> None:
    assert _types(text, classifier) == set()


@pytest.mark.parametrize(
    ("text", "flag_type"),
    [
        ("Ich kündige zum Monatsende, das war's mit uns.", "churn"),
        # the README's first example: v11 gave p 0.73 < its churn threshold 0.83; a type is
        # also confirmed by a strong phrase ("ich kündige") at >= 0.5
        ("Paket kam zwei Wochen zu spät. Ich kündige! Ruft mich an: [PHONE]", "churn"),
        # a number port as a plan (as a done fact, "PAC code passed on", v12 still misses some:
        # README, round 11 limits)
        ("Ich nehme meine Nummer zum neuen Anbieter mit.", "churn"),
        ("Die Sache liegt jetzt bei der Schlichtungsstelle.", "legal"),
        ("I have filed a complaint with the ombudsman about this bill.", "legal"),
        ("Seit gestern keine Heizung und wir haben ein Neugeborenes im Haus.", "urgent"),
    ],
)
def test_intent_is_flagged_with_and_without_cue_words(
    text: str, flag_type: str, classifier: FlagClassifier
) -> None:
    assert flag_type in _types(text, classifier)


def test_the_reason_is_the_sentence_that_carries_the_intent(classifier: FlagClassifier) -> None:
    text = (
        "Die Lieferung war pünktlich und der Fahrer freundlich. "
        "Trotzdem habe ich meinen Vertrag bei euch heute gekündigt."
    )
    (flag,) = [f for f in detect_flags(text, classifier=classifier) if f.type == FlagType.CHURN]
    assert flag.start is not None and flag.start >= text.index("Trotzdem")


def test_probabilities_of_a_long_answer_take_its_strongest_window(
    classifier: FlagClassifier,
) -> None:
    filler = "Die Verpackung war ordentlich und der Karton unbeschädigt. " * 20
    threat = "Ich schalte jetzt meinen Anwalt ein und verklage euch."
    p_alone = classifier.probabilities([threat])[0]
    p_long = classifier.probabilities([filler + threat])[0]
    legal = classifier.card.types.index(FlagType.LEGAL)
    # the threat sits in the last window, read on its own, not averaged with the filler
    assert p_long[legal] > 0.5 and p_alone[legal] > 0.5
    assert classifier.probabilities([]).shape == (0, len(classifier.card.types))


def test_the_classifier_folder_is_not_a_heads_folder(tmp_path: Path) -> None:
    assert is_classifier_folder(MODELS / "flags" / VERSION)
    assert not is_classifier_folder(MODELS / "flags" / "20261126-heads-e5-v8")
    # "latest" heads never resolve to the classifier (its card has another name)
    assert resolve_heads_folder(MODELS, "latest").name != VERSION
    (tmp_path / CARD).write_text('{"kind": "e5-lora-flags", "version": "x"}')
    with pytest.raises(ModelError, match="cannot read the flag classifier card"):
        FlagClassifier(tmp_path)


def test_in_the_pipeline_it_replaces_the_heads(classifier_pipeline: Pipeline) -> None:
    assert classifier_pipeline.flag_heads is None and classifier_pipeline.flag_encoders == []
    results = classifier_pipeline.analyze_batch(
        [
            AnswerInput.create("Der Techniker kam sofort, top!", language="de"),
            AnswerInput.create(
                "Danke für nichts. Ruft mich an unter 0171 1234567, sonst geht das an "
                "die Verbraucherzentrale.",
                language="de",
            ),
        ]
    )
    assert [f.type.value for f in results[0].flags] == []
    types = {f.type.value for f in results[1].flags}
    assert {"legal", "personal_data"} <= types
    # flags read the redacted text: no reason quotes the phone number
    assert all("0171" not in f.reason for f in results[1].flags)
    legal = next(f for f in results[1].flags if f.type.value == "legal")
    assert legal.severity == 3
    assert np.isfinite(results[1].sentiment.score)
