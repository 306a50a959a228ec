"""Leave-one-author-set-out comparison of the v9 recipes (`polarity_v9.V9_GRID`) with the v8
recipe (the v7 head refitted by the same code: blind_weight 0), all served with lexicon layer 8.

For each short German set S (the four dev sets, one author each, and the German heldout splits of
the written short sets) every recipe is trained on everything allowed except S and scores S as
served; positive-vs-negative accuracy per set and its mean. Then every recipe trained on
everything scores every evaluation set (`evaluation_sets`) for regressions.

    python -m training.sentiment.v9_loso [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

import numpy as np

from nlp_service.analysis.embedding import Embedder, get_embedder
from nlp_service.config import get_settings
from training.datasets import Example
from training.sentiment.evaluation import evaluation_sets
from training.sentiment.polarity_v9 import (
    DEV_SETS,
    V8_POINT,
    V9_GRID,
    V9Data,
    blend_params,
    fit_v9,
    served_scores,
    v9_data,
)
from training.sentiment.vectors import TORCH_EMBEDDER

HELDOUT_SETS = ("short_heldout", "short4_heldout", "short7_heldout")


def pos_neg(examples: Sequence[Example], scores: np.ndarray) -> tuple[float, int]:
    polar = [i for i, e in enumerate(examples) if e.label != "neutral"]
    ok = sum((scores[i] > 0) == (examples[i].label == "positive") for i in polar)
    return round(ok / max(len(polar), 1), 4), len(polar)


def auc(examples: Sequence[Example], scores: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    polar = [i for i, e in enumerate(examples) if e.label != "neutral"]
    y = [examples[i].label == "positive" for i in polar]
    if len(set(y)) < 2:
        return None
    return round(float(roc_auc_score(y, scores[polar])), 4)


def point_name(point: dict[str, float]) -> str:
    return (
        f"C{point['C']:g} sw{point['short_weight']:g} bw{point['blind_weight']:g} "
        f"w{point['weight']:g}"
    )


def loso_sets() -> dict[str, list[Example]]:
    sets = evaluation_sets()
    out = {name: sets[name] for name in DEV_SETS}
    for name in HELDOUT_SETS:
        out[f"{name}/de"] = [e for e in sets[name] if e.language == "de"]
    return out


def leave_one_out(
    embedder: Embedder, data: V9Data, points: Sequence[dict[str, float]]
) -> dict[str, dict[str, tuple[float, int]]]:
    """{point name: {set: (pos-vs-neg accuracy, polar n)}}; the heldout splits are never in any
    training set, so the full fit scores them."""
    held = loso_sets()
    out: dict[str, dict[str, tuple[float, int]]] = {}
    for point in points:
        name = point_name(point)
        full = fit_v9(data, point)
        res: dict[str, tuple[float, int]] = {}
        for set_name, examples in held.items():
            coef, bias = fit_v9(data, point, exclude={set_name}) if set_name in DEV_SETS else full
            res[set_name] = pos_neg(
                examples, served_scores(embedder, coef, bias, examples, blend_params(point))
            )
        out[name] = res
        print(name, json.dumps(res), file=sys.stderr, flush=True)
    return out


def full_table(
    embedder: Embedder, data: V9Data, points: Sequence[dict[str, float]]
) -> dict[str, dict[str, dict[str, float | int | None]]]:
    """{point name: {set/lang: {pos_neg, n, auc}}} of each point trained on everything."""
    sets = evaluation_sets()
    out: dict[str, dict[str, dict[str, float | int | None]]] = {}
    for point in points:
        coef, bias = fit_v9(data, point)
        res: dict[str, dict[str, float | int | None]] = {}
        for set_name, examples in sets.items():
            scores = served_scores(embedder, coef, bias, examples, blend_params(point))
            for lang in sorted({e.language for e in examples}):
                idx = [i for i, e in enumerate(examples) if e.language == lang]
                sub, sc = [examples[i] for i in idx], scores[idx]
                acc, n = pos_neg(sub, sc)
                res[f"{set_name}/{lang}"] = {"pos_neg": acc, "n": n, "auc": auc(sub, sc)}
        out[point_name(point)] = res
    return out


def print_loso(results: dict[str, dict[str, tuple[float, int]]]) -> None:
    names = list(next(iter(results.values())))
    print("leave-one-set-out pos-vs-neg accuracy (served, lexicon layer 8)")
    print(f"{'recipe':<28}" + "".join(f"{n[:14]:>15}" for n in names) + f"{'mean':>8}{'pooled':>8}")
    for point, res in results.items():
        accs = [res[n][0] for n in names]
        pooled = sum(res[n][0] * res[n][1] for n in names) / sum(res[n][1] for n in names)
        print(
            f"{point:<28}"
            + "".join(f"{a:>15.3f}" for a in accs)
            + f"{np.mean(accs):>8.3f}{pooled:>8.3f}"
        )
    print("polar n: " + ", ".join(f"{n} {v[1]}" for n, v in next(iter(results.values())).items()))


def print_full(results: dict[str, dict[str, dict[str, float | int | None]]]) -> None:
    points = list(results)
    keys = list(next(iter(results.values())))
    print("\nevery set, each recipe trained on everything allowed (pos-vs-neg accuracy)")
    print("\n".join(f"  P{i} = {p}" for i, p in enumerate(points)))
    print(f"{'set/lang (polar n)':<34}" + "".join(f"{f'P{i}':>7}" for i in range(len(points))))
    for key in keys:
        n = results[points[0]][key]["n"]
        cells = "".join(f"{results[p][key]['pos_neg']:>7.3f}" for p in points)
        print(f"{f'{key} ({n})':<34}" + cells)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--points", type=int, default=len(V9_GRID), help="first N grid points")
    args = parser.parse_args(argv)
    embedder = get_embedder(TORCH_EMBEDDER, get_settings().threads)
    data = v9_data(embedder)
    points = [V8_POINT, *V9_GRID[: args.points]]
    loso = leave_one_out(embedder, data, points)
    print_loso(loso)
    full = full_table(embedder, data, points)
    print_full(full)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"loso": loso, "full": full}, fh, indent=1)


if __name__ == "__main__":
    main()
