"""Context heads: logistic heads on sentence vectors that add the flags the rules miss and, from
round 4, veto rule flags they are confident about.

Per type, with the sentence's probability p (heads on the concatenated vectors of the card's
encoders, e.g. USE and/or e5):
- a rule flag raised by a weak trigger is dropped when p < the type's weak veto, one raised by a
  strong phrase when p < its strong veto (0 = never vetoed);
- the head alone flags the sentence when p >= the type's threshold (> 1 = never alone).
Older cards have no vetoes (0) and one encoder (USE).

What a head reads (`head_units`): cards from round 5 on (`"units": "segments"`) read the answer's
analysis segments (`segments.segment_text`: pysbd sentences, clauses split at contrastive
conjunctions, chunked and capped), the very texts the pipeline encodes for sentiment and themes,
so the heads cost no encoder call of their own; older cards read the regex sentences
(`_SENTENCE`) they were trained on."""

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlp_service.analysis.flags.context_rules import _SENTENCE, RuleFlag, _context_rules
from nlp_service.analysis.flags.flag import Flag, FlagType
from nlp_service.analysis.segments import Segment, segment_text
from nlp_service.errors import ModelError

HEADS_FILE = "heads.npz"
HEADS_CARD = "card.json"
SENTENCE_UNITS = "sentences"  # the regex sentences (`_SENTENCE`), cards before round 5
SEGMENT_UNITS = "segments"  # the analysis segments (`segment_text`), round 5 on


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
    # Per type (weak veto, strong veto): a rule flag in a sentence whose probability is below
    # it is dropped; empty: no veto (older cards).
    vetoes: tuple[tuple[float, float], ...] = ()
    # The encoders whose L2-normalised vectors are concatenated, in order, as the heads' input
    # (embedder ids and the specs that build them); older cards: one, `embedder_id`.
    embedder_ids: tuple[str, ...] = ()
    embedder_specs: tuple[str, ...] = ()
    # What one head row reads (`head_units`); cards without the field: SENTENCE_UNITS.
    units: str = SENTENCE_UNITS
    # Round 7, per type: a unit holding a rule candidate (`_candidate_starts`: a [candidate]
    # word or any trigger) is flagged when p reaches this (below the alone threshold); empty:
    # candidates play no part (cards before round 7).
    candidates: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.thresholds and len(self.thresholds) != len(self.types):
            raise ModelError(f"flag heads {self.version}: one threshold per type expected")
        if self.vetoes and len(self.vetoes) != len(self.types):
            raise ModelError(f"flag heads {self.version}: one veto pair per type expected")
        if self.embedder_ids and len(self.embedder_specs) != len(self.embedder_ids):
            raise ModelError(f"flag heads {self.version}: one spec per embedder expected")
        if self.candidates and len(self.candidates) != len(self.types):
            raise ModelError(f"flag heads {self.version}: one candidate threshold per type")
        if self.units not in (SENTENCE_UNITS, SEGMENT_UNITS):
            raise ModelError(f"flag heads {self.version}: unknown units {self.units!r}")

    @property
    def encoders(self) -> tuple[str, ...]:
        """The embedder ids whose vectors the heads read, concatenated in this order."""
        return self.embedder_ids or (self.embedder_id,)

    @property
    def specs(self) -> tuple[str, ...]:
        return self.embedder_specs or ("use",)

    def veto_for(self, index: int, strong: bool) -> float:
        return self.vetoes[index][int(strong)] if self.vetoes else 0.0

    def threshold_for(self, index: int, candidate: bool = False) -> float:
        """The type's alone threshold; for a unit holding a rule candidate the lower of it and
        the candidate threshold (round 7 cards)."""
        alone = self.thresholds[index] if self.thresholds else self.threshold
        if candidate and self.candidates:
            return min(alone, self.candidates[index])
        return alone

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
        if self.vetoes:
            meta["vetoes"] = {
                t.value: {"weak": weak, "strong": strong}
                for t, (weak, strong) in zip(self.types, self.vetoes, strict=True)
            }
        if self.embedder_ids:
            meta["embedder_ids"] = list(self.embedder_ids)
            meta["embedder_specs"] = list(self.embedder_specs)
        if self.units != SENTENCE_UNITS:
            meta["units"] = self.units
        if self.candidates:
            meta["candidates"] = {
                t.value: tau for t, tau in zip(self.types, self.candidates, strict=True)
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
            per_veto = meta.get("vetoes") or {}
            vetoes = (
                tuple(
                    (float(per_veto[t.value]["weak"]), float(per_veto[t.value]["strong"]))
                    for t in types
                )
                if per_veto
                else ()
            )
            embedder_ids = tuple(meta.get("embedder_ids") or ())
            embedder_specs = tuple(meta.get("embedder_specs") or ())
            units = str(meta.get("units", SENTENCE_UNITS))
            per_candidate = meta.get("candidates") or {}
            candidates = (
                tuple(float(per_candidate[t.value]) for t in types) if per_candidate else ()
            )
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
            vetoes,
            embedder_ids,
            embedder_specs,
            units,
            candidates,
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
    """The regex sentences older heads read (stripped, as in training)."""
    return [text[a:b].strip() for a, b in _head_spans(text)]


def head_units(
    text: str,
    units: str,
    language: str | None = None,
    segments: Sequence[Segment] | None = None,
) -> list[Segment]:
    """The one definition of what the heads read, in training and serving: one row per unit,
    its vector that of `unit.text`; a rule flag belongs to the unit whose span holds its start.
    SEGMENT_UNITS: the answer's analysis segments (`segments` when the caller has them, as the
    pipeline does, else `segment_text(text, language)` with the default limits); SENTENCE_UNITS:
    the regex sentences (span as matched, text stripped)."""
    if units == SEGMENT_UNITS:
        return list(segments) if segments is not None else segment_text(text, language)
    return [Segment(text[a:b].strip(), a, b) for a, b in _head_spans(text)]


def _head_flags(
    text: str,
    found: Sequence[RuleFlag],
    context: FlagContext,
    units: Sequence[Segment],
    candidate_starts: Mapping[FlagType, Sequence[int]] | None = None,
    benign: Mapping[FlagType, re.Pattern[str] | None] | None = None,
) -> Iterator[Flag]:
    """The rule flags the heads do not veto, then the units the heads flag alone (at the
    candidate threshold where the unit holds one of `candidate_starts`' rule candidates);
    round 8: not a unit holding one of the type's [benign] cues (`benign`), as for the rules."""
    spans = [(u.start, u.end) for u in units]
    if not spans:
        yield from (f.flag for f in found)
        return
    heads = context.heads
    probabilities = heads.probabilities(context.encode([u.text for u in units]))
    index = {t: i for i, t in enumerate(heads.types)}
    kept: list[Flag] = []
    for rule in found:
        flag = rule.flag
        row = next(
            (n for n, (a, b) in enumerate(spans) if flag.start is not None and a <= flag.start < b),
            None,
        )
        if row is not None and flag.type in index:
            i = index[flag.type]
            if probabilities[row, i] < heads.veto_for(i, rule.strong):
                continue
        kept.append(flag)
    yield from kept
    severities = {rules.flag_type: rules.severity for rules in _context_rules()}
    for (start, end), row in zip(spans, probabilities, strict=True):
        # Trim the sentence span to its text, so the reason is the sentence as written.
        while start < end and text[start].isspace():
            start += 1
        for i, (flag_type, probability) in enumerate(zip(heads.types, row, strict=True)):
            starts = candidate_starts.get(flag_type, ()) if candidate_starts else ()
            holds = any(start <= s < end for s in starts)
            if probability < heads.threshold_for(i, holds):
                continue
            cue = benign.get(flag_type) if benign else None
            if cue is not None and cue.search(text[start:end]):
                continue
            # The rules' precise span is the better reason; the head only adds what they missed.
            if any(
                f.type == flag_type
                and f.start is not None
                and f.start < end
                and start < (f.end or 0)
                for f in kept
            ):
                continue
            yield Flag(flag_type, text[start:end].strip(), severities[flag_type], start, end)
