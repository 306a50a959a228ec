"""Do the moderation flags hold when the same answers are typed as on a phone?

Flags each answer of the named flag sets as served (rules + the flag model named) as written
and as `typed_on_phone` makes it (one seeded copy per answer), and prints false alarms on the
ordinary answers and recall per type for both; with --habits also with each habit alone applied
to every answer (lower case, umlauts as ae, no full stops or commas).

    python -m benchmarks.flags_phone_typing --version 20261127-flags-lora-v13 --set blind12
"""

from __future__ import annotations

import argparse

from training.flag_scoring import SCORED_TYPES, load_context, predict, score
from training.flag_sets import SETS, load_set
from training.typing_noise import HABITS, phone_copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="append", required=True, help="flag model(s)")
    parser.add_argument("--set", action="append", required=True, choices=sorted(SETS))
    parser.add_argument("--habits", action="store_true", help="also each habit alone")
    args = parser.parse_args()
    types = SCORED_TYPES
    print(f"{'set':10s} {'model':26s} {'spelling':8s} {'false alarms':>14s}  "
          + "  ".join(f"{t:>7s}" for t in types))  # fmt: skip
    for version in args.version:
        context = load_context(version)
        for name in args.set:
            examples = load_set(name)
            phone = phone_copy([e.text for e in examples], name)
            gold = [e.flags for e in examples]
            spellings = {"written": [e.text for e in examples], "phone": phone}
            if args.habits:
                spellings |= {k: [f(e.text) for e in examples] for k, f in HABITS.items()}
            for spelling, texts in spellings.items():
                predicted = [
                    predict(t, context, e.language) for t, e in zip(texts, examples, strict=True)
                ]
                s = score(gold, predicted, types)
                recalls = "  ".join(f"{s['types'][t]['recall'] or 0:7.3f}" for t in types)
                alarms = f"{s['false_alarms']}/{s['ordinary']}"
                print(f"{name:10s} {version:26s} {spelling:8s} {alarms:>14s}  {recalls}")


if __name__ == "__main__":
    main()
