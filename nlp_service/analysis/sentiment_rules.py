"""The lexical layer on a head's segment scores: the evaluative lexicon blended in and the
negated-negative rule, in one place for the pipeline, training and evaluation."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from nlp_service.analysis.lexicon_blend import BlendParams, blend
from nlp_service.errors import ModelError

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
    evaluation: first the evaluative lexicon blended in (`lexicon_blend.blend` with the layer
    version of the card: 5 for a card whose lexicon has no version), then the
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
