"""A sentiment model's folder (`models/sentiment/<version>/`): the card next to the weights,
written and read back, which kind it names, and which folder `latest` means."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from nlp_service.analysis.sentiment_labels import LABELS
from nlp_service.errors import ModelError

HEAD_FILE = "head.safetensors"
CARD_FILE = "model_card.json"


class Head(Protocol):
    """What a card and the shape check read from a head of either kind."""

    kind: str
    version: str
    embedder_id: str
    neutral_margin: float

    @property
    def dim(self) -> int: ...


def write_card(folder: Path, head: Head, card: dict) -> None:
    """The card both head kinds write next to their weights (what `load` reads back)."""
    card = {
        **card,
        "kind": head.kind,
        "version": head.version,
        "embedder_id": head.embedder_id,
        "labels": list(LABELS),
        "neutral_margin": head.neutral_margin,
    }
    (folder / CARD_FILE).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")


def read_card(folder: Path) -> dict:
    card_path = folder / CARD_FILE
    if not card_path.exists() or not (folder / HEAD_FILE).exists():
        raise ModelError(
            f"no sentiment head in {folder} (expected {HEAD_FILE} and {CARD_FILE}); "
            "train one with `nlp-service train sentiment`"
        )
    return json.loads(card_path.read_text())


def check_embedder(folder: Path, card: dict, expected: str | None) -> None:
    if expected is not None and card.get("embedder_id") != expected:
        raise ModelError(
            f"sentiment head {folder.name} was trained on embedder '{card.get('embedder_id')}' "
            f"but the configured sentiment embedder is '{expected}'; set "
            "NLP_SERVICE_SENTIMENT_EMBEDDER to match or train a head for it"
        )


def model_kind(folder: Path) -> str:
    """ "head" (3-class, 2026-11-24), "polarity-head" or "e5-lora" (reads texts)."""
    return str(read_card(folder).get("kind", "head"))


def resolve_head_folder(models_dir: Path, version: str, embedder_id: str | None = None) -> Path:
    """`latest` is the newest head trained on `embedder_id` (any embedder when None), so switching
    the sentiment embedder picks the head that matches it. Models that read texts (kind
    "e5-lora") need no embedder and are only chosen by their version."""
    root = models_dir / "sentiment"
    if version != "latest":
        return root / version
    candidates = []
    for folder in root.glob("*") if root.exists() else []:
        card = folder / CARD_FILE
        if card.exists():
            meta = json.loads(card.read_text())
            if meta.get("embedder_id") is None:
                continue
            if embedder_id is None or meta.get("embedder_id") == embedder_id:
                candidates.append((meta.get("created", ""), folder.name, folder))
    if not candidates:
        which = f" for embedder '{embedder_id}'" if embedder_id else ""
        raise ModelError(
            f"no sentiment head{which} under {root}; run `nlp-service train sentiment`"
        )
    return max(candidates)[2]
