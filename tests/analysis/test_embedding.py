import numpy as np
import pytest

from nlp_service.analysis.embedding import build_embedder, get_embedder, normalize
from nlp_service.errors import ModelError

PAIRS = [
    ("Die Lieferung kam viel zu spät.", "The delivery arrived far too late."),
    ("Die Hotline war nicht erreichbar.", "The hotline could not be reached."),
    ("Die App stürzt ständig ab.", "The app keeps crashing."),
]


def test_normalize() -> None:
    v = normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert v.dtype == np.float32
    assert np.allclose(v[0], [0.6, 0.8])
    assert np.all(np.isfinite(v))


@pytest.mark.slow
@pytest.mark.parametrize(("spec", "dim"), [("use", 512), ("e5", 384)])
def test_bundled_multilingual_embedders(spec: str, dim: int) -> None:
    emb = get_embedder(spec, 2)
    assert emb.dim == dim and emb.id
    de = emb.encode([d for d, _ in PAIRS])
    en = emb.encode([e for _, e in PAIRS])
    assert de.shape == (3, dim) and de.dtype == np.float32
    assert np.allclose(np.linalg.norm(de, axis=1), 1.0, atol=1e-4)
    sims = de @ en.T
    # Cross-lingual: each German sentence is closest to its own English translation.
    assert list(sims.argmax(axis=1)) == [0, 1, 2]
    assert emb.encode([]).shape == (0, dim)
    # Batching does not change results.
    one_by_one = np.concatenate([emb.encode([d]) for d, _ in PAIRS])
    assert np.allclose(one_by_one, de, atol=1e-4)


@pytest.mark.slow
def test_sentence_transformers_backend_with_packaged_minilm() -> None:
    emb = get_embedder("minilm", 2)
    assert emb.id == "st:all-MiniLM-L6-v2" and emb.dim == 384
    v = emb.encode(["The hotline kept me waiting.", "Long hold times on the phone.", "Tasty pizza"])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_unknown_embedder_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ModelError, match="unknown embedder"):
        build_embedder("no-such-model", 1)
    with pytest.raises(ModelError, match="cannot load sentence-transformers model"):
        build_embedder(f"st:{tmp_path}", 1)
