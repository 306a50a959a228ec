"""Round 9 (issue 9): heads v9 = the v7 recipe on v7's training sets plus two new authors'
training files (`train_v9a`, `train_v9b`, written for round 9 from the label definitions).

Unlike heads v8 (`training.flags_v8`, which trains on the author sets blind..blind7 and so can
only be judged by leaving one out), v9 trains on none of the author sets: every one of them,
and `eval`, measures it directly, next to heads v7 with the same rules.

    python -m training.flags_v9 compare     (v7 vs the v9 recipe on eval and blind..blind7)
    python -m training.flags_v9 train       (heads v9 -> models/flags/20261126-heads-e5-v9)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nlp_service.analysis.flags import ContextHeads, FlagContext
from training.flag_heads_common import HEADS_V7_TRAIN_SETS
from training.flag_heads_selection import prepare
from training.flag_scoring import predict, score
from training.flag_sets import load_set
from training.flags_v8 import (
    AUTHOR_SETS,
    DEFAULT_CACHE,
    V8_RECIPE,
    VectorCache,
    _pooled,
    _row,
    fit_recipe,
    objective,
)

V9_VERSION = "20261126-heads-e5-v9"
HEADS_V9_TRAIN_SETS = (*HEADS_V7_TRAIN_SETS, "train_v9a", "train_v9b")
# measuring sets: never trained on by v9 (blind8: round 9's blind set, run once)
MEASURED_V9 = ("eval", *AUTHOR_SETS)


def _fit(cache: VectorCache, version: str = "compare") -> Any:
    named = [(name, e) for name in HEADS_V9_TRAIN_SETS for e in load_set(name)]
    return fit_recipe(prepare(named, cache.encode), V8_RECIPE, cache.embedder_id, version)


def compare(cache: VectorCache, sets: Sequence[str] = MEASURED_V9) -> dict[str, dict]:
    """Rules + heads v7 and rules + heads of the v9 recipe on each measuring set."""
    from nlp_service.analysis.flags import resolve_heads_folder
    from nlp_service.config import get_settings

    v7 = ContextHeads.load(resolve_heads_folder(get_settings().models_dir, "20261126-heads-e5-v7"))
    fitted = _fit(cache)
    print(f"v9 recipe: C {fitted.chosen_c} {fitted.decisions}", file=sys.stderr, flush=True)
    out: dict[str, dict] = {"v7": {}, "v9": {}}
    for name in sets:
        examples = load_set(name)
        gold = [e.flags for e in examples]
        for label, heads in (("v7", v7), ("v9", fitted.heads)):
            context = FlagContext(heads, cache.encode)
            out[label][name] = score(gold, [predict(e.text, context, e.language) for e in examples])
    return out


def format_compare(results: dict[str, dict]) -> str:
    lines = ["false alarms; recall legal / churn / urgent (rules + heads)"]
    for label, per_set in results.items():
        authors = {k: v for k, v in per_set.items() if k in AUTHOR_SETS}
        lines.append(f"\n== heads {label} (author sets: objective {objective(authors)})")
        lines += [_row(name, s) for name, s in per_set.items()]
        lines.append(_row("authors", _pooled(authors.values())))
    return "\n".join(lines)


def train_v9(cache: VectorCache, models_dir: Path | None = None) -> Path:
    """Heads v9 (the v7 recipe on HEADS_V9_TRAIN_SETS), saved like v7 and v8."""
    from datetime import UTC, datetime

    from nlp_service.config import get_settings

    fitted = _fit(cache, V9_VERSION)
    folder = (models_dir or get_settings().models_dir) / "flags" / V9_VERSION
    fitted.heads.save(
        folder,
        {
            "model": "heads v7's recipe (training.flags_v8.V8_RECIPE = v7's grids, budget, "
            "per-source cap and worst-type selection) on the sets below",
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "trained_on": {name: len(load_set(name)) for name in HEADS_V9_TRAIN_SETS},
            "never_trained_or_tuned_on": [*MEASURED_V9, "blind8"],
            "C": fitted.chosen_c,
            "decisions": {t: list(d) for t, d in fitted.decisions.items()},
            "rows": fitted.rows,
            "cv_rules_plus_heads": fitted.cv,
        },
    )
    return folder


def main(argv: Sequence[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["compare", "train"])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--json", type=Path, help="compare: also write the results here")
    args = parser.parse_args(argv)
    cache = VectorCache.load(args.cache)
    if args.command == "train":
        print(train_v9(cache))
    else:
        results = compare(cache)
        print(format_compare(results))
        if args.json:
            args.json.write_text(json.dumps(results, indent=1, default=str) + "\n")
    cache.save()


if __name__ == "__main__":
    main()
