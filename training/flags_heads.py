"""Context heads v4-v7 for the moderation flags (`python -m training.flags train-v4 | train-v6 |
train-v7`): the round-4 recipe (`training.flag_heads_selection`) on one generation's training
sets and grids, written as a heads folder with its card. Heads v2 (round 2-3):
`training.flags_heads_v2`; heads v8: `training.flags_v8` (this recipe with v7's arguments on more
sets); what every heads generation shares: `training.flag_heads_common`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nlp_service.analysis.flags import SEGMENT_UNITS, ContextHeads, FlagType
from training.flag_heads_common import (
    HEADS_FALSE_ALARM_BUDGET,
    HEADS_TRAIN_SETS,
    MODEL_SEED,
    MODEL_TYPES,
)
from training.flag_heads_selection import (
    V4_ALONE,
    V4_CS,
    V4_PER_SET_CAP,
    V4_VETO_STRONG,
    V4_VETO_WEAK,
    choose_c,
    prepare,
)
from training.flag_scoring import encode_concat
from training.flag_sets import load_set

# Chosen by answer-grouped 5-fold CV on HEADS_TRAIN_SETS (models/flags/README.md, round 4):
# e5 alone beat USE + e5 and USE alone on the worst-type CV recall within the budget.
V4_EMBEDDERS = ("e5-torch",)


def train_heads_v4(
    version: str | None = None,
    models_dir: Path | None = None,
    embedder_specs: Sequence[str] = V4_EMBEDDERS,
    units: str = SEGMENT_UNITS,
    train_sets: Sequence[str] = HEADS_TRAIN_SETS,
    generation: str | None = None,
    veto_strong: Sequence[float] = V4_VETO_STRONG,
    budget: float = HEADS_FALSE_ALARM_BUDGET,
    per_set_cap: float = V4_PER_SET_CAP,
    candidate_grid: Sequence[float] = (),
) -> Path:
    """Round-4 recipe: one logistic head per type on the standardised, concatenated vectors of
    `embedder_specs` for every unit (`head_units`: the analysis segments since round 5, v5; the
    regex sentences with `units=SENTENCE_UNITS`, v4) of HEADS_TRAIN_SETS, multiple-instance labels
    (`mil_head`), C, vetoes and alone-thresholds by answer-grouped 5-fold CV
    (`choose_decisions`). The scaler is folded into the coefficients."""
    from datetime import UTC, datetime

    import numpy as np

    from nlp_service.analysis.embedding import get_embedder
    from nlp_service.config import get_settings

    settings = get_settings()
    embedders = [get_embedder(spec, settings.threads) for spec in embedder_specs]
    named = [(name, e) for name in train_sets for e in load_set(name)]
    prepared = prepare(named, lambda texts: encode_concat(embedders, texts), units)
    rows = prepared.rows
    chosen_c, candidates = choose_c(
        prepared, V4_CS, veto_strong, budget, per_set_cap, candidate_grid, source_names=train_sets
    )
    _, decisions, cv_scores = candidates[chosen_c]
    coefs, intercepts = prepared.heads_for(chosen_c)
    tag = "-".join(spec.split("-")[0] for spec in embedder_specs)
    generation = generation or ("v5" if units == SEGMENT_UNITS else "v4")
    # blind..blind5 became dev sets in round 7 (their errors were read for failure categories);
    # none of them is ever a training set
    never_trained = ["eval", "blind", "blind2", "blind3", "blind4", "blind5"]
    version = version or f"{datetime.now(UTC):%Y%m%d}-heads-{tag}-{generation}"
    folder = (models_dir or settings.models_dir) / "flags" / version
    thresholds = tuple(decisions[t][2] for t in MODEL_TYPES)
    heads = ContextHeads(
        tuple(FlagType(t) for t in MODEL_TYPES),
        np.array(coefs),
        np.array(intercepts),
        min(thresholds),
        " + ".join(e.id for e in embedders),
        version,
        thresholds,
        tuple((decisions[t][0], decisions[t][1]) for t in MODEL_TYPES),
        tuple(e.id for e in embedders),
        tuple(embedder_specs),
        units,
        tuple(decisions[t][3] for t in MODEL_TYPES) if candidate_grid else (),
    )
    heads.save(
        folder,
        {
            "model": "one logistic regression per type (scikit-learn, class_weight=balanced) on "
            f"the standardised concatenated vectors ({', '.join(embedder_specs)}) of each "
            f"unit ({units}; scaler folded into coef/intercept); multiple-instance labels: of an "
            "answer carrying the type only its most likely unit (by a first head) is a "
            "positive, its other units are left out",
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "trained_on": {name: len(load_set(name)) for name in train_sets},
            "never_trained_or_tuned_on": never_trained,
            "units_read": units,
            "rows": len(rows.sentences),
            "C": chosen_c,
            "C_candidates": {
                str(c): {"cv_min_recall": round(k[0], 4), "decisions": d}
                for c, (k, d, _) in candidates.items()
            },
            "seed": MODEL_SEED,
            "decision_rule": "per type (weak veto, strong veto, alone threshold) from the grids "
            f"{list(V4_VETO_WEAK)}, {list(veto_strong)}, {list(V4_ALONE)} (2.0 = never "
            "alone): the best worst-type recall of rules + heads on the out-of-fold "
            "(answer-grouped 5-fold) sentence probabilities of the training answers whose "
            f"pooled false-alarm rate is <= {budget} and whose rate on each "
            f"training source is <= {per_set_cap} (at least one answer)",
            **(
                {
                    "candidate_rule": "per type a unit holding a rule candidate (a [candidate] "
                    "word or any trigger of the type's rule file, outside [benign] cues) is "
                    f"flagged at p >= the candidate threshold, chosen from {list(candidate_grid)} "
                    "(2.0 = never) together with the other three numbers",
                    "dev_sets_read": "blind..blind5 became dev sets in round 7: their errors were "
                    "read for failure categories (never trained on, thresholds never chosen on "
                    "them, no text copied into rules or training data)",
                }
                if candidate_grid
                else {}
            ),
            "cv_rules_plus_heads": cv_scores,
        },
    )
    return folder
