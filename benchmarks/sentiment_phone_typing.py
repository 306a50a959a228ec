"""Does a sentiment model hold when the same answers are typed as on a phone?

Scores each evaluation set as written and as `typed_on_phone` makes it (lower case, umlauts
folded, full stops dropped, a swapped letter; one seeded copy per answer), with every model
named, and prints accuracy, positive-vs-negative accuracy and AUC for both and the drop.

    python -m benchmarks.sentiment_phone_typing --version 20261127-e5-lora-v13 \
        --sets blind9_short,short13_heldout,de_short
"""

from __future__ import annotations

import argparse
import random
from dataclasses import replace

from nlp_service.config import get_settings
from training.sentiment.evaluation import evaluate_scorer, evaluation_sets
from training.sentiment.scorers import load_scorer
from training.typing_noise import typed_on_phone

PHONE_SEED = 7


def phone_sets(names: list[str], seed: int = PHONE_SEED) -> dict:
    """The named sets as written and, under `<name>~phone`, typed on a phone (seeded per set,
    so a set's copy does not depend on which other sets are named)."""
    sets = evaluation_sets()
    unknown = sorted(set(names) - set(sets))
    if unknown:
        raise SystemExit(f"unknown evaluation set(s) {unknown}; choose from {sorted(sets)}")
    out = {}
    for name in names:
        rng = random.Random(f"{seed}:{name}")
        out[name] = sets[name]
        out[f"{name}~phone"] = [replace(e, text=typed_on_phone(e.text, rng)) for e in sets[name]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="append", required=True, help="model version(s)")
    parser.add_argument("--sets", default="blind9_short,short13_heldout,de_short,german_reviews")
    args = parser.parse_args()
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    sets = phone_sets(names)
    models_dir = get_settings().models_dir
    print(f"{'set/language':28s} {'model':26s} {'written acc/pn/AUC':>22s}  "
          f"{'phone acc/pn/AUC':>22s}  pn drop")  # fmt: skip
    for version in args.version:
        res = evaluate_scorer(load_scorer(version, models_dir), sets)
        for key, m in res.items():
            name, lang = key.split("/")
            if name.endswith("~phone"):
                continue
            p = res[f"{name}~phone/{lang}"]
            print(
                f"{key:28s} {version:26s} "
                f"{m['accuracy']:.3f}/{m['pos_neg_accuracy']:.3f}/{m['auc']:.3f}        "
                f"{p['accuracy']:.3f}/{p['pos_neg_accuracy']:.3f}/{p['auc']:.3f}  "
                f"{m['pos_neg_accuracy'] - p['pos_neg_accuracy']:+.3f}"
            )


if __name__ == "__main__":
    main()
