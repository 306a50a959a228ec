"""Sentiment: `negative | neutral | positive` plus a score in [-1, 1] per segment (sentence or
clause); an answer's score is the mean of its opinionated segments' scores (`answer_score`) and
it may also be `mixed`.

Backends behind one interface (`SentimentModel`), each stored in `models/sentiment/<version>/`
with a `model_card.json` whose `kind` says which:
- `SentimentHead` (kind "head", the 2026-11-24 heads): a multinomial logistic-regression head on
  sentence embeddings; it refuses vectors from another embedder.
- `PolarityHead` (kind "polarity-head"): a strongly regularised binary head on sentence
  embeddings; score = P(positive) - P(negative) = 2 * sigmoid(w.x + b) - 1.
- `LoraE5Sentiment` (kind "e5-lora", `sentiment_lora.py`): multilingual-e5-small fine-tuned with
  a LoRA adapter + a polarity head; it reads texts, not vectors.
- `TransformersSentiment`: any local `transformers` text-classification model folder.

Answer level (`answer_sentiment`): the mean of the segment scores outside +-SEGMENT_FLOOR (all
of them when none is), so a one-sentence and a ten-sentence answer are on the same scale (a long
answer is not pulled to zero or to the extremes by its length) and a clear complaint is not
diluted by a request or a bare fact next to it. Labels: `mixed` when the segments disagree
strongly (see `answer_sentiment`), else `neutral` inside the model's calibrated band, else the
sign. Insults and profanity never score positive (`clamp_abuse`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from nlp_service.analysis.lexicon import LAYER_VERSIONS, BlendParams, blend
from nlp_service.errors import ModelError

LABELS = ("negative", "neutral", "positive")
MIXED = "mixed"  # answer level only
HEAD_FILE = "head.safetensors"
CARD_FILE = "model_card.json"
# Answer rule for `mixed`: one segment at least this positive, one at least this negative, and
# the mean inside the neutral band (see answer_sentiment). 0.5 = P(pos) 0.75 vs P(neg) 0.75.
MIXED_THRESHOLD = 0.5
# Segments scoring within +-SEGMENT_FLOOR carry no opinion and do not count towards the answer's
# score while another segment does (answer_score); chosen on the written dev data.
SEGMENT_FLOOR = 0.1
# An answer or segment with an abuse flag scores at most this (and is labelled negative).
ABUSE_MAX_SCORE = -0.5

# --- negated negatives: the one lexical correction (German and English) -----------------------
# Frozen sentence encoders read "lief problemlos", "keine Beanstandungen", "nicht schlecht" close
# to the problem they deny (v4 error analysis, README "Sentiment"). A segment that denies a problem
# and says nothing else against it scores at least NEGATED_NEGATIVE_MIN_SCORE. Applied only by
# models whose card enables it (`negation_rule`), inside their `predict`, so the pipeline,
# training and evaluation see the same scores.
_PROBLEM_WORDS = (
    r"(?:probleme?n?|schwierigkeiten|ärger|stress|beanstandung(?:en)?|beschwerden?|mängel|"
    r"komplikationen|fehler|verzögerung(?:en)?|zwischenfälle?)"
)
NEGATED_NEGATIVE = re.compile(
    r"\b(?:"
    r"problemlos\w*|reibungslos\w*|anstandslos\w*|fehlerfrei\w*|"
    r"ohne (?:jegliche[n]? |große[n]? |größere[n]? |irgendwelche[n]? |weitere[n]? )?"
    rf"{_PROBLEM_WORDS}|"
    rf"kein(?:e|en|erlei)? (?:einzige[sn]? |große[n]? |größeren )?{_PROBLEM_WORDS}|"
    r"nichts (?:zu )?(?:meckern|beanstanden|auszusetzen|bemängeln)|"
    r"(?:gar )?nicht (?:mal )?(?:so )?(?:schlecht|übel)|"
    r"kann mich nicht (?:beklagen|beschweren)|"
    r"no (?:issues?|problems?|complaints?|hassle)|not bad|"
    r"without (?:any )?(?:issues?|problems?|hassle)|nothing to complain|can'?t complain"
    r")\b",
    re.IGNORECASE,
)
# "nicht problemlos", "alles andere als reibungslos": the denial is itself denied.
_DENIED = re.compile(
    r"\b(?:nicht|nie|kaum|alles andere als|not|never|far from|hardly)\s+(?:\w+\s+)?$", re.IGNORECASE
)
# A segment that also complains or contrasts ("problemlos, nur teuer") is left to the model.
_CONTRAST = re.compile(
    r"\b(?:aber|leider|jedoch|trotzdem|allerdings|nur|but|unfortunately|however|only)\b",
    re.IGNORECASE,
)
NEGATED_NEGATIVE_MIN_SCORE = 0.3  # chosen on train data the v2 head never saw (README, v4)


def denies_a_problem(text: str) -> bool:
    """True when `text` denies a problem ("Zahlung lief problemlos.", "Keine Beanstandungen.",
    "Nicht schlecht!", "No issues.") without denying the denial or adding a complaint."""
    if _CONTRAST.search(text):
        return False
    return any(not _DENIED.search(text[: m.start()]) for m in NEGATED_NEGATIVE.finditer(text))


def apply_segment_rules(
    scores: np.ndarray,
    texts: Sequence[str],
    negation_rule: bool,
    lexicon: BlendParams | None,
) -> np.ndarray:
    """The lexical layer on a head's segment scores, in one place for the pipeline, training and
    evaluation: first the evaluative lexicon blended in (`lexicon.blend` with the layer version
    of the card: 5 for a card whose lexicon has no version), then the
    negated-negative minimum (`correct_negated_negatives`, v4). Each only when the model's card
    enables it."""
    out = np.asarray(scores, dtype=np.float64)
    if (lexicon is not None or negation_rule) and len(texts) != len(out):
        raise ModelError("the lexical sentiment rules need the segment texts")
    if lexicon is not None:
        out = blend(out, texts, lexicon)
    if negation_rule:
        out = correct_negated_negatives(out, texts)
    return out


def correct_negated_negatives(
    scores: np.ndarray, texts: Sequence[str], min_score: float = NEGATED_NEGATIVE_MIN_SCORE
) -> np.ndarray:
    """Segment scores with the negated-negative rule applied: a segment that denies a problem
    scores at least `min_score`; every other score is unchanged."""
    out = np.asarray(scores, dtype=np.float64).copy()
    for i, text in enumerate(texts):
        if out[i] < min_score and denies_a_problem(text):
            out[i] = min_score
    return out


@dataclass(frozen=True)
class Sentiment:
    label: str
    score: float  # -1 (very negative) .. 1 (very positive)

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "score": self.score}


def remove_directions(vectors: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Project unit `directions` (k, dim) out of `vectors` and renormalise."""
    x = vectors.astype(np.float32)
    if len(directions):
        x = x - (x @ directions.T) @ directions
        x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    return x


class SentimentModel(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def embedder_id(self) -> str | None:
        """None: the model reads texts, not embeddings."""
        ...

    @property
    def neutral_margin(self) -> float:
        """Answer scores within +-margin are neutral."""
        ...

    def predict(self, embeddings: np.ndarray | None, texts: Sequence[str]) -> list[Sentiment]: ...


def label_for(score: float, neutral_margin: float) -> str:
    if abs(score) <= neutral_margin:
        return "neutral"
    return "positive" if score > 0 else "negative"


def answer_score(scores: Sequence[float] | np.ndarray, floor: float = SEGMENT_FLOOR) -> float:
    """The answer's score from its segments' scores, the one rule used by the pipeline, training
    and evaluation: the mean over the segments whose |score| exceeds `floor` (the opinionated
    ones), or over all segments when none does. A request or a bare fact next to a complaint
    ("Paket kam zwei Wochen zu spät. Ich kündige! Ruft mich an") does not pull the complaint
    towards zero, while a long review keeps the mean of everything it says (weighting segments
    by |score|, or keeping only strong ones, made long reviews worse on the written dev data:
    README, "Sentiment")."""
    values = np.asarray(scores, dtype=np.float64)
    if values.size == 0:
        raise ValueError("an answer has at least one segment")
    polar = values[np.abs(values) > floor]
    return float(np.clip(np.mean(polar if polar.size else values), -1.0, 1.0))


def neutral_band(neutral_margin: float, scores: Sequence[float], floor: float) -> float:
    """The neutral band of an answer whose score is the mean of k opinionated segments: the
    model's band (calibrated on answers of one opinion) / sqrt(k). A mean of k segment scores
    varies about 1/sqrt(k) as much as one score, so a fixed band called a long review with a
    clear but averaged stance neutral or mixed: on the long German reviews (german_reviews,
    160) 3-class accuracy 0.600 -> 0.716 with this rule, written feedback 0.613 -> 0.630, the
    short sets unchanged (one segment; README, "Sentiment")."""
    k = sum(abs(s) > floor for s in scores)
    return neutral_margin / math.sqrt(max(k, 1))


def answer_sentiment(
    segments: Sequence[Sentiment],
    neutral_margin: float,
    mixed_threshold: float = MIXED_THRESHOLD,
    floor: float = SEGMENT_FLOOR,
) -> Sentiment:
    """An answer from its segments: score = `answer_score` of the segment scores (`floor` 0:
    the plain mean, the v2 rule).

    Label: `mixed` when the answer is neutral by cancellation - |score| <= its band
    (`neutral_band`: neutral_margin / sqrt(opinionated segments)) while
    one segment scores >= +mixed_threshold and another <= -mixed_threshold ("great food, rude
    staff"); otherwise `neutral` when |score| <= the band, else its sign. A long review
    with praise and complaints but a clear overall stance keeps that stance (a looser rule,
    mixed whenever |mean| < 0.5, labelled a third of the long German reviews mixed). A
    one-segment answer is its segment."""
    if not segments:
        raise ValueError("an answer has at least one segment")
    if len(segments) == 1:
        return segments[0]
    scores = [s.score for s in segments]
    score = answer_score(scores, floor)
    label = label_for(score, neutral_band(neutral_margin, scores, floor))
    strong_both = max(scores) >= mixed_threshold and min(scores) <= -mixed_threshold
    if label == "neutral" and strong_both:
        label = MIXED
    return Sentiment(label, round(score, 4))


def clamp_abuse(sentiment: Sentiment, max_score: float = ABUSE_MAX_SCORE) -> Sentiment:
    """Insults and profanity never read as positive: score <= max_score, label negative."""
    return Sentiment("negative", round(min(sentiment.score, max_score), 4))


def combine_answer(
    segments: Sequence[Sentiment],
    segment_spans: Sequence[tuple[int, int]],
    abuse_spans: Sequence[tuple[int | None, int | None]],
    neutral_margin: float,
) -> tuple[Sentiment, list[Sentiment]]:
    """One answer: its (possibly clamped) segments and the answer sentiment. `abuse_spans` are
    the character spans of the answer's abuse flags (None: position unknown); a segment that
    overlaps one is clamped, and any abuse flag clamps the answer after averaging."""
    out = list(segments)
    for k, (start, end) in enumerate(segment_spans):
        for a, b in abuse_spans:
            if a is not None and b is not None and a < end and start < b:
                out[k] = clamp_abuse(out[k])
                break
    answer = answer_sentiment(out, neutral_margin)
    if abuse_spans:
        answer = clamp_abuse(answer)
    return answer, out


def from_probabilities(probs: np.ndarray, neutral_margin: float) -> list[Sentiment]:
    """probs: (n, 3) in LABELS order. A text is neutral when the neutral class wins or when
    positive and negative are within `neutral_margin` of each other (a calibrated band)."""
    out = []
    for p_neg, p_neu, p_pos in probs:
        score = float(np.clip(p_pos - p_neg, -1.0, 1.0))
        if p_neu >= max(p_neg, p_pos) or abs(score) <= neutral_margin:
            label = "neutral"
        else:
            label = "positive" if score > 0 else "negative"
        out.append(Sentiment(label, round(score, 4)))
    return out


class SentimentHead:
    kind = "head"

    def __init__(
        self,
        coef: np.ndarray,
        intercept: np.ndarray,
        embedder_id: str,
        version: str,
        neutral_margin: float = 0.0,
        card: dict | None = None,
        language_directions: np.ndarray | None = None,
    ) -> None:
        if coef.shape[0] != len(LABELS) or intercept.shape != (len(LABELS),):
            raise ModelError(f"sentiment head must have {len(LABELS)} classes, got {coef.shape}")
        # Unit vectors along which languages differ (e.g. mean German minus mean English of
        # parallel sentences). Removing them before the head keeps a head trained on English
        # from shifting every German text towards one class.
        dirs = language_directions
        self.language_directions = (
            np.zeros((0, coef.shape[1]), np.float32) if dirs is None else dirs.astype(np.float32)
        )
        self.coef = coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)
        self.embedder_id = embedder_id
        self.version = version
        self.neutral_margin = neutral_margin
        self.card = card or {}
        self.id = f"head:{version}"

    @property
    def dim(self) -> int:
        return int(self.coef.shape[1])

    def features(self, embeddings: np.ndarray) -> np.ndarray:
        _check_shape(self, embeddings)
        return remove_directions(embeddings, self.language_directions)

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        logits = self.features(embeddings) @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, embeddings: np.ndarray | None, texts: Sequence[str] = ()) -> list[Sentiment]:
        if embeddings is None:
            raise ModelError("the sentiment head needs embeddings")
        if len(embeddings) == 0:
            return []
        return from_probabilities(self.probabilities(embeddings), self.neutral_margin)

    def save(self, folder: Path, card: dict) -> None:
        from safetensors.numpy import save_file

        folder.mkdir(parents=True, exist_ok=True)
        tensors = {
            "coef": self.coef,
            "intercept": self.intercept,
            "language_directions": self.language_directions,
        }
        save_file(tensors, str(folder / HEAD_FILE))
        _write_card(folder, self, card)

    @classmethod
    def load(cls, folder: Path, expected_embedder_id: str | None = None) -> SentimentHead:
        from safetensors.numpy import load_file

        card = read_card(folder)
        if card.get("labels") != list(LABELS):
            raise ModelError(f"sentiment head {folder} has labels {card.get('labels')}")
        _check_embedder(folder, card, expected_embedder_id)
        tensors = load_file(str(folder / HEAD_FILE))
        return cls(
            tensors["coef"],
            tensors["intercept"],
            card["embedder_id"],
            card.get("version", folder.name),
            float(card.get("neutral_margin", 0.0)),
            card,
            tensors.get("language_directions"),
        )


class PolarityHead:
    """A binary linear head on sentence embeddings: score = 2 * sigmoid(w.x + b) - 1."""

    kind = "polarity-head"

    def __init__(
        self,
        coef: np.ndarray,
        intercept: float,
        embedder_id: str,
        version: str,
        neutral_margin: float = 0.0,
        card: dict | None = None,
        negation_rule: bool = False,
        second_embedder_id: str | None = None,
        lexicon: BlendParams | None = None,
    ) -> None:
        self.coef = np.asarray(coef, dtype=np.float32).reshape(-1)
        self.intercept = float(intercept)
        self.embedder_id = embedder_id
        self.version = version
        self.neutral_margin = neutral_margin
        self.card = card or {}
        # Apply `correct_negated_negatives` to the segment scores (the card's `negation_rule`).
        self.negation_rule = negation_rule
        # Blend the evaluative lexicon into the segment scores (the card's `lexicon`, v5).
        self.lexicon = lexicon
        # An ensemble of two heads is one linear head on the two embedders' vectors of the same
        # segments side by side: [embedder_id | second_embedder_id]. The pipeline's main encoder
        # supplies the second part, so it costs no encoder pass (`Pipeline.analyze_batch`).
        self.second_embedder_id = second_embedder_id
        self.id = f"head:{version}"

    @property
    def dim(self) -> int:
        return int(self.coef.shape[0])

    def scores(self, embeddings: np.ndarray) -> np.ndarray:
        _check_shape(self, embeddings)
        logits = embeddings.astype(np.float32) @ self.coef + self.intercept
        return np.tanh(logits / 2.0)  # = 2 * sigmoid(logit) - 1

    def predict(self, embeddings: np.ndarray | None, texts: Sequence[str] = ()) -> list[Sentiment]:
        if embeddings is None:
            raise ModelError("the sentiment head needs embeddings")
        scores = self.scores(embeddings)
        if (self.negation_rule or self.lexicon is not None) and len(texts) != len(scores):
            raise ModelError(f"sentiment head {self.version} needs the segment texts")
        scores = apply_segment_rules(scores, texts, self.negation_rule, self.lexicon)
        return [
            Sentiment(label_for(float(s), self.neutral_margin), round(float(s), 4)) for s in scores
        ]

    def save(self, folder: Path, card: dict) -> None:
        from safetensors.numpy import save_file

        folder.mkdir(parents=True, exist_ok=True)
        tensors = {"coef": self.coef, "intercept": np.array([self.intercept], np.float32)}
        save_file(tensors, str(folder / HEAD_FILE))
        extra: dict[str, object] = {
            "negation_rule": self.negation_rule,
            "second_embedder_id": self.second_embedder_id,
        }
        if self.lexicon is not None:
            lexicon_entry: dict[str, float | int] = {
                "weight": self.lexicon.weight,
                "full_words": self.lexicon.full_words,
            }
            if self.lexicon.version != 5:  # v5's card has no version key
                lexicon_entry["version"] = self.lexicon.version
            extra["lexicon"] = lexicon_entry
        _write_card(folder, self, {**card, **extra})

    @classmethod
    def load(cls, folder: Path, expected_embedder_id: str | None = None) -> PolarityHead:
        from safetensors.numpy import load_file

        card = read_card(folder)
        _check_embedder(folder, card, expected_embedder_id)
        tensors = load_file(str(folder / HEAD_FILE))
        return cls(
            tensors["coef"],
            float(tensors["intercept"][0]),
            card["embedder_id"],
            card.get("version", folder.name),
            float(card.get("neutral_margin", 0.0)),
            card,
            bool(card.get("negation_rule", False)),
            card.get("second_embedder_id"),
            _blend_params(card.get("lexicon")),
        )


def _blend_params(value: object) -> BlendParams | None:
    """The card's `lexicon` entry ({"weight": w, "full_words": n, "version": 6}) or None (no
    lexicon); without a version it is v5's layer (the v5 card predates the key)."""
    if value is None or value is False:
        return None
    if not isinstance(value, dict):
        raise ModelError(f"model card key 'lexicon' must be an object, got {value!r}")
    version = int(value.get("version", 5))
    if version not in LAYER_VERSIONS:
        raise ModelError(f"unknown lexicon version {version} in the model card")
    return BlendParams(float(value["weight"]), float(value["full_words"]), version)


def second_embedder_id(model: SentimentModel) -> str | None:
    """The embedder whose vectors a model reads after its own (None for a single-embedder head
    and for models that read texts); see `PolarityHead.second_embedder_id`."""
    value = getattr(model, "second_embedder_id", None)
    return value if isinstance(value, str) else None


class _Head(Protocol):
    kind: str
    version: str
    embedder_id: str
    neutral_margin: float

    @property
    def dim(self) -> int: ...


def _check_shape(head: _Head, embeddings: np.ndarray) -> None:
    if embeddings.ndim != 2 or embeddings.shape[1] != head.dim:
        raise ModelError(
            f"sentiment head {head.version} expects {head.dim}-d vectors from "
            f"{head.embedder_id}, got shape {embeddings.shape}"
        )


def _write_card(folder: Path, head: _Head, card: dict) -> None:
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


def _check_embedder(folder: Path, card: dict, expected: str | None) -> None:
    if expected is not None and card.get("embedder_id") != expected:
        raise ModelError(
            f"sentiment head {folder.name} was trained on embedder '{card.get('embedder_id')}' "
            f"but the configured sentiment embedder is '{expected}'; set "
            "NLP_SERVICE_SENTIMENT_EMBEDDER to match or train a head for it"
        )


def model_kind(folder: Path) -> str:
    """ "head" (3-class, 2026-11-24), "polarity-head" or "e5-lora" (reads texts)."""
    return str(read_card(folder).get("kind", "head"))


def load_head(
    folder: Path, expected_embedder_id: str | None = None
) -> SentimentHead | PolarityHead:
    """A head on embeddings, whichever kind its card names."""
    if model_kind(folder) == PolarityHead.kind:
        return PolarityHead.load(folder, expected_embedder_id)
    return SentimentHead.load(folder, expected_embedder_id)


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


_LABEL_ALIASES = {
    "negative": 0, "neg": 0, "label_0": 0, "1 star": 0, "2 stars": 0,
    "neutral": 1, "neu": 1, "3 stars": 1,
    "positive": 2, "pos": 2, "4 stars": 2, "5 stars": 2,
}  # fmt: skip


class TransformersSentiment:
    """A local transformers sequence-classification model; its labels are mapped by name."""

    embedder_id: str | None = None

    def __init__(self, path: str, threads: int, neutral_margin: float = 0.0) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        torch.set_num_threads(threads)
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(path)
            self._model = AutoModelForSequenceClassification.from_pretrained(path).eval()
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load transformers sentiment model {path!r}: {exc}") from exc
        id2label = {int(k): str(v).lower() for k, v in self._model.config.id2label.items()}
        self._columns: dict[int, list[int]] = {0: [], 1: [], 2: []}
        for idx, name in id2label.items():
            target = _LABEL_ALIASES.get(name)
            if target is None and len(id2label) == 2:  # unnamed binary model: 0 neg, 1 pos
                target = 0 if idx == 0 else 2
            if target is None and len(id2label) == 3:
                target = idx
            if target is None:
                raise ModelError(f"cannot map label {name!r} of {path} to a sentiment label")
            self._columns[target].append(idx)
        self.neutral_margin = neutral_margin
        self.id = f"transformers:{Path(path).name}"

    def predict(self, embeddings: np.ndarray | None, texts: Sequence[str]) -> list[Sentiment]:
        import torch

        if not texts:
            return []
        enc = self._tokenizer(
            list(texts), padding=True, truncation=True, max_length=512, return_tensors="pt"
        )
        with torch.inference_mode():
            probs = torch.softmax(self._model(**enc).logits, dim=-1).numpy()
        grouped = np.stack([probs[:, cols].sum(axis=1) for cols in self._columns.values()], axis=1)
        return from_probabilities(grouped, self.neutral_margin)
