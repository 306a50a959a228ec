"""The sentiment lexicon layer at answer level: a head's segment scores with each segment's
lexicon score (`lexicon.lexicon_score` of the layer its model card names) blended in, and from
layer 7 on the weight of a segment that opens with an adversative or holds a concession. The
per-segment scoring lives in analysis/lexicon.py (its rule tables in lexicon_rules.py); this
module only combines their scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nlp_service.analysis.lexicon import lexicon_score
from nlp_service.analysis.lexicon_entries import tokens, words
from nlp_service.analysis.lexicon_rules import ADVERSATIVES, RULE_SETS

# v7, across segments (the segmenter splits "..., aber ..." into two): a segment that opens with an
# adversative word carries the answer's stance (its score x CONTRAST_BOOST, clipped), a
# concession ("zwar", "obwohl", "auch wenn", "although") counts CONCESSION_FACTOR of its score.
CONTRAST_BOOST = 1.5
CONCESSION_FACTOR = 0.5
_OPENING_ADVERSATIVES = words("aber jedoch allerdings trotzdem dennoch doch but however yet")
_CONCESSIVES = words("zwar obwohl obgleich although")
_CONCESSIVE_PAIRS = (("auch", "wenn"), ("wenn", "auch"), ("even", "though"), ("even", "if"))


def contrast_weights(texts: Sequence[str]) -> np.ndarray:
    """v7: a factor per segment text (1 for most): CONTRAST_BOOST for a segment that opens with
    an adversative word, CONCESSION_FACTOR for a concession - unless an adversative word follows
    inside the same segment ("zwar gut aber teuer": the segment holds its own turn, which the
    layer's adversative rule has already weighed)."""
    out = np.ones(len(texts))
    for i, text in enumerate(texts):
        toks = tokens(text)
        if not toks:
            continue
        if toks[0] in _OPENING_ADVERSATIVES and len(toks) > 1:
            out[i] = CONTRAST_BOOST
        elif (
            any(t in _CONCESSIVES for t in toks)
            or any(
                tuple(toks[j : j + 2]) in _CONCESSIVE_PAIRS for j in range(min(2, len(toks) - 1))
            )
        ) and not any(t in ADVERSATIVES for t in toks[1:]):
            out[i] = CONCESSION_FACTOR
    return out


@dataclass(frozen=True)
class BlendParams:
    """final = (1 - w) * head + w * lexicon, w = weight * min(1, full_words / words); a segment
    without a lexicon hit keeps the head's score. `version`: which lexicon layer - 6 or 7 this
    module (`RULE_SETS`; 5 = the layer shipped with model v5, whose card has no version)."""

    weight: float
    full_words: float
    version: int = 6


def blend(
    scores: np.ndarray,
    texts: Sequence[str],
    params: BlendParams,
) -> np.ndarray:
    """`scores` with each text's lexicon score (`lexicon_score` of layer `params.version`)
    blended in. From v7 on, the blended scores are then weighted by `contrast_weights`."""
    out = np.asarray(scores, dtype=np.float64).copy()
    for i, text in enumerate(texts):
        lex, n_words = lexicon_score(text, params.version)
        if lex is None:
            continue
        w = params.weight * min(1.0, params.full_words / max(n_words, 1))
        out[i] = (1.0 - w) * out[i] + w * lex
    if RULE_SETS[params.version].contrast_weights:
        out = np.clip(out * contrast_weights(texts), -1.0, 1.0)
    return out
