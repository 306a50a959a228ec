"""Does a sentiment model hold when the same answers are typed as on a phone?

Scores each evaluation set as written and as `typed_on_phone` makes it (lower case, umlauts
folded, full stops dropped, a swapped letter; one seeded copy per answer), with every model
named, and prints accuracy, positive-vs-negative accuracy and AUC for both and the drop.

    python -m benchmarks.sentiment_phone_typing --version 20261127-e5-lora-v13 \
        --sets blind9_short,short13_heldout,de_short
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from nlp_service.config import get_settings
from training.sentiment.evaluation import evaluate_scorer, evaluation_sets
from training.sentiment.scorers import load_scorer
from training.typing_noise import HABITS, PHONE_SEED, phone_copy


def phone_sets(names: list[str], seed: int = PHONE_SEED, habits: bool = False) -> dict:
    """The named sets as written and, under `<name>~phone`, typed on a phone (seeded per set,
    so a set's copy does not depend on which other sets are named); with `habits` also under
    `<name>~<habit>` with each habit of `HABITS` alone."""
    sets = evaluation_sets()
    unknown = sorted(set(names) - set(sets))
    if unknown:
        raise SystemExit(f"unknown evaluation set(s) {unknown}; choose from {sorted(sets)}")
    out = {}
    for name in names:
        out[name] = sets[name]
        phone = phone_copy([e.text for e in sets[name]], name, seed)
        out[f"{name}~phone"] = [replace(e, text=t) for e, t in zip(sets[name], phone, strict=True)]
        if habits:
            for habit, f in HABITS.items():
                out[f"{name}~{habit}"] = [replace(e, text=f(e.text)) for e in sets[name]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="append", required=True, help="model version(s)")
    parser.add_argument("--sets", default="blind9_short,short13_heldout,de_short,german_reviews")
    parser.add_argument("--habits", action="store_true", help="also each habit alone")
    args = parser.parse_args()
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    sets = phone_sets(names, habits=args.habits)
    models_dir = get_settings().models_dir
    print(f"{'set/language':28s} {'model':26s} {'spelling':8s} {'acc':>6s} {'pn':>6s} "
          f"{'AUC':>6s} {'pn drop':>8s}")  # fmt: skip
    variants = ["phone", *(HABITS if args.habits else ())]
    for version in args.version:
        res = evaluate_scorer(load_scorer(version, models_dir), sets)
        for key, written in res.items():
            name, lang = key.split("/")
            if "~" in name:
                continue
            for spelling in ["written", *variants]:
                m = written if spelling == "written" else res[f"{name}~{spelling}/{lang}"]
                drop = written["pos_neg_accuracy"] - m["pos_neg_accuracy"]
                print(
                    f"{key:28s} {version:26s} {spelling:8s} {m['accuracy']:6.3f} "
                    f"{m['pos_neg_accuracy']:6.3f} {m['auc']:6.3f} {drop:+8.3f}"
                )


if __name__ == "__main__":
    main()
