"""Which recipe `train --kind` runs."""

from __future__ import annotations

from pathlib import Path

from training.sentiment.lora import train_lora
from training.sentiment.polarity_head import train_polarity
from training.sentiment.polarity_v4 import train_polarity_v4
from training.sentiment.polarity_v6 import train_polarity_v6
from training.sentiment.polarity_v7 import train_polarity_v7
from training.sentiment.polarity_v9 import train_polarity_v9
from training.sentiment.three_class import train_three_class


def train(
    version: str | None = None,
    models_dir: Path | None = None,
    embedder_spec: str | None = None,
    kind: str = "polarity-head",
) -> Path:
    if kind == "e5-lora":
        return train_lora(version, models_dir)
    if kind == "polarity-head":
        return train_polarity(version, models_dir)
    if kind == "polarity-v4":
        return train_polarity_v4(version, models_dir)
    if kind == "polarity-v6":
        return train_polarity_v6(version, models_dir)
    if kind == "polarity-v7":
        return train_polarity_v7(version, models_dir)
    if kind == "polarity-v9":
        return train_polarity_v9(version, models_dir)
    if kind == "head":
        return train_three_class(version, models_dir, embedder_spec)
    raise SystemExit(
        f"unknown kind {kind!r}; expected e5-lora, polarity-head, polarity-v4, polarity-v6, "
        "polarity-v7, polarity-v9 or head"
    )
