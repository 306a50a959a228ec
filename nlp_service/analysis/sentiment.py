"""Sentiment: `negative | neutral | positive` plus a score in [-1, 1] per segment (sentence or
clause); an answer's score is the mean of its opinionated segments' scores (`answer_score`) and
it may also be `mixed`.

Backends behind one interface (`SentimentModel`, sentiment_labels.py), each stored in
`models/sentiment/<version>/` with a `model_card.json` whose `kind` says which
(sentiment_cards.py):
- `SentimentHead` (kind "head", the 2026-11-24 heads, sentiment_heads.py): a multinomial
  logistic-regression head on sentence embeddings; it refuses vectors from another embedder.
- `PolarityHead` (kind "polarity-head", sentiment_heads.py): a strongly regularised binary head
  on sentence embeddings; score = P(positive) - P(negative) = 2 * sigmoid(w.x + b) - 1; its
  card may enable the lexical layer (sentiment_rules.py).
- `LoraE5Sentiment` (kind "e5-lora", `sentiment_lora.py`): multilingual-e5-small fine-tuned with
  a LoRA adapter + a polarity head; it reads texts, not vectors.
- `TransformersSentiment` (sentiment_transformers.py): any local `transformers`
  text-classification model folder.

Answer level (`answer_sentiment`, this module): the mean of the segment scores outside
+-SEGMENT_FLOOR (all of them when none is), so a one-sentence and a ten-sentence answer are on
the same scale (a long answer is not pulled to zero or to the extremes by its length) and a
clear complaint is not diluted by a request or a bare fact next to it. Labels: `mixed` when the
segments disagree strongly (see `answer_sentiment`), else `neutral` inside the model's
calibrated band, else the sign. Insults and profanity never score positive (`clamp_abuse`).
This module also re-exports the names of the modules above, so callers import from one place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from nlp_service.analysis.sentiment_cards import (
    CARD_FILE,
    HEAD_FILE,
    model_kind,
    read_card,
    resolve_head_folder,
)
from nlp_service.analysis.sentiment_heads import (
    PolarityHead,
    SentimentHead,
    _blend_params,
    load_head,
    remove_directions,
    second_embedder_id,
)
from nlp_service.analysis.sentiment_labels import (
    LABELS,
    MIXED,
    Sentiment,
    SentimentModel,
    from_probabilities,
    label_for,
)
from nlp_service.analysis.sentiment_rules import (
    NEGATED_NEGATIVE,
    NEGATED_NEGATIVE_MIN_SCORE,
    apply_segment_rules,
    correct_negated_negatives,
    denies_a_problem,
)
from nlp_service.analysis.sentiment_transformers import TransformersSentiment

__all__ = [
    "ABUSE_MAX_SCORE",
    "CARD_FILE",
    "HEAD_FILE",
    "LABELS",
    "MIXED",
    "MIXED_THRESHOLD",
    "NEGATED_NEGATIVE",
    "NEGATED_NEGATIVE_MIN_SCORE",
    "SEGMENT_FLOOR",
    "PolarityHead",
    "Sentiment",
    "SentimentHead",
    "SentimentModel",
    "TransformersSentiment",
    "_blend_params",
    "answer_score",
    "answer_sentiment",
    "apply_segment_rules",
    "clamp_abuse",
    "combine_answer",
    "correct_negated_negatives",
    "denies_a_problem",
    "from_probabilities",
    "label_for",
    "load_head",
    "model_kind",
    "neutral_band",
    "read_card",
    "remove_directions",
    "resolve_head_folder",
    "second_embedder_id",
]

# Answer rule for `mixed`: one segment at least this positive, one at least this negative, and
# the mean inside the neutral band (see answer_sentiment). 0.5 = P(pos) 0.75 vs P(neg) 0.75.
MIXED_THRESHOLD = 0.5
# Segments scoring within +-SEGMENT_FLOOR carry no opinion and do not count towards the answer's
# score while another segment does (answer_score); chosen on the written dev data.
SEGMENT_FLOOR = 0.1
# An answer or segment with an abuse flag scores at most this (and is labelled negative).
ABUSE_MAX_SCORE = -0.5


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
