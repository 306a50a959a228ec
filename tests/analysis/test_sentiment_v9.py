"""The v9 sentiment head (`models/sentiment/20261126-e5-polarity-v9`): loads like v8, its card
names exactly what it trained on, and it reads a few German answers sensibly."""

import json

from nlp_service.analysis.sentiment import PolarityHead, answer_score, load_head
from nlp_service.config import Settings
from nlp_service.paths import MODELS_DIR

V9 = "20261126-e5-polarity-v9"
FOLDER = MODELS_DIR / "sentiment" / V9

# Written for this test (none from a training, dev or evaluation set).
PHRASES = [
    ("Ihr seid doch alle unfähige Idioten.", "negative"),
    ("Was für ein Saftladen, nie wieder!", "negative"),
    ("Der Kundendienst hat mich wie Dreck behandelt.", "negative"),
    ("Hab drei Wochen auf mein Geld gewartet", "negative"),
    ("Sehr freundliche Beratung, danke!", "positive"),
    ("Alles bestens, gerne wieder", "positive"),
    ("Lieferung kam pünktlich und gut verpackt", "positive"),
]


def test_v9_loads_like_v8_with_lexicon_layer_8() -> None:
    head = load_head(FOLDER)
    assert isinstance(head, PolarityHead)
    assert head.embedder_id == "e5torch:multilingual-e5-small:query" and head.dim == 384
    assert head.negation_rule is True
    assert head.lexicon is not None and head.lexicon.version == 8
    assert 0.0 < head.neutral_margin < 0.6
    # Not served: the default is the fine-tuned e5 (README, "Sentiment round 9", rounds 10, 11).
    assert Settings.model_fields["sentiment_model"].default == "head:20261127-e5-lora-v14"


def test_v9_card_lists_its_training_sets() -> None:
    card = json.loads((FOLDER / "model_card.json").read_text())
    data = card["data"]
    dev = data["short_german_dev_sets"]
    assert set(dev["sets"]) == {"blind_short", "blind2_short", "blind3_short", "blind4_short"}
    assert "training/data/short_answers_blind4_de.jsonl" in dev["files"]
    assert "training/data/survey_short6_de.jsonl" in data["short_answers"]["files"]
    never = data["never_trained_on"]
    assert never.startswith("german_reviews, german_reviews_blind2, and any blind set added later")
    trained = data["written_train"]["files"] + data["short_answers"]["files"] + dev["files"]
    assert not any("german_reviews" in f for f in trained)


def test_v9_reads_insults_and_praise() -> None:
    from nlp_service.analysis.embedding import get_embedder
    from nlp_service.analysis.segments import split_segments

    head = load_head(FOLDER)
    embedder = get_embedder("e5-torch", 2)
    wrong = []
    for text, label in PHRASES:
        segments = [s.text for s in split_segments(text, "de", 400)] or [text]
        score = answer_score([s.score for s in head.predict(embedder.encode(segments), segments)])
        if (score > 0) != (label == "positive"):
            wrong.append((text, score))
    assert wrong == []
