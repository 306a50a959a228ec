"""Context heads: logistic heads on sentence vectors that add the flags the rules miss and, from
round 4, veto weak rule candidates they are confident about."""

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlp_service.analysis.flags.context_rules import _SENTENCE, _context_rules
from nlp_service.analysis.flags.flag import Flag, FlagType
from nlp_service.errors import ModelError

HEADS_FILE = "heads.npz"
HEADS_CARD = "card.json"


@dataclass(frozen=True)
class ContextHeads:
    """One logistic head per context-decided type on a sentence embedding (trained by
    `training/flags.py train`); a sentence is flagged when its probability reaches the type's
    threshold (`thresholds`, one per type; older cards have one `threshold` for all types)."""

    types: tuple[FlagType, ...]
    coef: np.ndarray  # (len(types), dim)
    intercept: np.ndarray  # (len(types),)
    threshold: float  # the lowest of `thresholds` (the single threshold of older cards)
    embedder_id: str
    version: str
    thresholds: tuple[float, ...] = ()  # per type, in the order of `types`; empty: `threshold`

    def __post_init__(self) -> None:
        if self.thresholds and len(self.thresholds) != len(self.types):
            raise ModelError(f"flag heads {self.version}: one threshold per type expected")

    def threshold_for(self, index: int) -> float:
        return self.thresholds[index] if self.thresholds else self.threshold

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """(sentences, types) probabilities for L2-normalised sentence vectors."""
        z = np.asarray(vectors, dtype=np.float64) @ self.coef.T + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def save(self, folder: Path, card: Mapping[str, object]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / HEADS_FILE, coef=self.coef, intercept=self.intercept)
        meta = {
            **card,
            "types": [t.value for t in self.types],
            "threshold": self.threshold,
            "embedder_id": self.embedder_id,
            "version": self.version,
        }
        if self.thresholds:
            meta["thresholds"] = {
                t.value: tau for t, tau in zip(self.types, self.thresholds, strict=True)
            }
        (folder / HEADS_CARD).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: Path) -> "ContextHeads":
        try:
            meta = json.loads((folder / HEADS_CARD).read_text("utf-8"))
            with np.load(folder / HEADS_FILE) as arrays:
                coef, intercept = arrays["coef"], arrays["intercept"]
            types = tuple(FlagType(t) for t in meta["types"])
            per_type = meta.get("thresholds") or {}
            thresholds = tuple(float(per_type[t.value]) for t in types) if per_type else ()
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise ModelError(f"cannot load flag context heads from {folder}: {exc}") from exc
        if coef.shape[0] != len(types) or intercept.shape != (len(types),):
            raise ModelError(f"flag context heads in {folder} do not match their card")
        return cls(
            types,
            coef,
            intercept,
            float(meta["threshold"]),
            meta["embedder_id"],
            meta["version"],
            thresholds,
        )


def resolve_heads_folder(models_dir: Path, version: str = "latest") -> Path:
    """`latest` is the newest folder under models/flags with a heads card."""
    root = models_dir / "flags"
    if version != "latest":
        return root / version
    cards = sorted(
        (json.loads(card.read_text("utf-8")).get("created", ""), card.parent)
        for card in root.glob(f"*/{HEADS_CARD}")
    )
    if not cards:
        raise ModelError(
            f"no flag context heads under {root}; run `python -m training.flags train`"
        )
    return cards[-1][1]


@dataclass(frozen=True)
class FlagContext:
    """What `detect_flags` needs for the heads: the heads and the encoder they were trained on."""

    heads: ContextHeads
    encode: Callable[[Sequence[str]], np.ndarray]


def _head_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group().strip()]


def head_sentences(text: str) -> list[str]:
    """The sentences the context heads read (stripped, as in training): a caller that encodes
    many texts at once can encode these with them instead of one encoder call per text."""
    return [text[a:b].strip() for a, b in _head_spans(text)]


def _head_flags(text: str, found: Sequence[Flag], context: FlagContext) -> Iterator[Flag]:
    spans = _head_spans(text)
    if not spans:
        return
    sentences = [text[a:b].strip() for a, b in spans]
    probabilities = context.heads.probabilities(context.encode(sentences))
    severities = {rules.flag_type: rules.severity for rules in _context_rules()}
    for (start, end), row in zip(spans, probabilities, strict=True):
        # Trim the sentence span to its text, so the reason is the sentence as written.
        while start < end and text[start].isspace():
            start += 1
        for index, (flag_type, probability) in enumerate(
            zip(context.heads.types, row, strict=True)
        ):
            if probability < context.heads.threshold_for(index):
                continue
            # The rules' precise span is the better reason; the head only adds what they missed.
            if any(
                f.type == flag_type
                and f.start is not None
                and f.start < end
                and start < (f.end or 0)
                for f in found
            ):
                continue
            yield Flag(flag_type, text[start:end].strip(), severities[flag_type], start, end)
