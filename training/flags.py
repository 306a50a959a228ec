"""Evaluate the moderation flags on the project-written flag sets.

    python -m training.flags evaluate [--set eval|dev]   (= nlp-service evaluate flags)
    python -m training.flags compare                      (rules vs a small context model)
    python -m training.flags train                        (context heads -> models/flags/<v>/)
    python -m training.flags train-v6                     (round 6 heads, + train_v5)
    python -m training.flags train-v7                     (round 7: + train_v7, rule candidates)

`training/data/flags_eval.jsonl` is the held-out set (never used to tune the rules);
`training/data/flags_dev.jsonl` is what the rules were developed on. Each line is
{"id", "text", "language", "flags": [...], "note"}; an empty `flags` list marks an ordinary answer.

Figures per flag type: precision and recall over all answers of the set. The false-alarm rate is
the share of ordinary answers that get any flag other than personal_data (which comes from the
redaction, not from these rules, and is not scored here).
"""

# The command line only; the work lives in
#   training.flag_sets             the flag sets (SETS, FlagExample, load_set)
#   training.flag_scoring          predict, score, evaluate, print_table
#   training.flags_round1          compare: rules vs a small context model
#   training.flags_heads           heads v4-v7 (train-v4/-v6/-v7)
#   training.flags_heads_v2        heads v2 (train)
#   training.flag_heads_selection  the round-4 recipe's selection (v4-v9) and its grids
#   training.flag_heads_common     what every heads generation shares (types, sets, folds)

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from nlp_service.analysis.flags import SEGMENT_UNITS, SENTENCE_UNITS
from training.flag_heads_common import HEADS_V6_TRAIN_SETS, HEADS_V7_TRAIN_SETS
from training.flag_heads_selection import (
    V6_FALSE_ALARM_BUDGET,
    V6_PER_SET_CAP,
    V6_VETO_STRONG,
    V7_CANDIDATE,
)
from training.flag_scoring import evaluate, print_table
from training.flag_sets import SETS
from training.flags_heads import V4_EMBEDDERS, train_heads_v4
from training.flags_heads_v2 import train_heads
from training.flags_round1 import compare_context_model, print_comparison


def main(argv: Sequence[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "command", choices=["evaluate", "compare", "train", "train-v4", "train-v6", "train-v7"]
    )
    parser.add_argument("--set", default="eval", choices=sorted(SETS))
    parser.add_argument("--heads", default=None, help="Also the context heads (version/latest).")
    parser.add_argument("--errors", action="store_true", help="List the misflagged answers.")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--units",
        default=SEGMENT_UNITS,
        choices=[SEGMENT_UNITS, SENTENCE_UNITS],
        help="train-v4: what a head row reads (segments: v5, sentences: v4)",
    )
    parser.add_argument(
        "--embedders",
        default=",".join(V4_EMBEDDERS),
        help="train-v4: encoder specs, e.g. use,e5-torch",
    )
    args = parser.parse_args(argv)
    # round 6: the v5 recipe (segments, e5) on HEADS_V6_TRAIN_SETS -> <date>-heads-e5-v6;
    # round 7: the v6 recipe + train_v7 + rule candidates -> <date>-heads-e5-v7
    generations: dict[str, dict[str, Any]] = {
        "train-v6": {"train_sets": HEADS_V6_TRAIN_SETS, "generation": "v6"},
        "train-v7": {
            "train_sets": HEADS_V7_TRAIN_SETS,
            "generation": "v7",
            "candidate_grid": V7_CANDIDATE,
        },
    }
    if args.command in generations:
        print(
            train_heads_v4(
                **generations[args.command],
                veto_strong=V6_VETO_STRONG,
                budget=V6_FALSE_ALARM_BUDGET,
                per_set_cap=V6_PER_SET_CAP,
            )
        )
        return
    if args.command == "train-v4":
        print(train_heads_v4(embedder_specs=tuple(args.embedders.split(",")), units=args.units))
        return
    if args.command == "train":
        print(train_heads())
        return
    out = (
        evaluate(args.set, heads=args.heads)
        if args.command == "evaluate"
        else compare_context_model()
    )
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
    elif args.command == "evaluate":
        print_table(out, show_errors=args.errors)
    else:
        print_comparison(out)


if __name__ == "__main__":
    main()
