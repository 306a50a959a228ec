"""Round 7 (issue 9) experiment: do heads with more capacity than v6's logistic heads fix churn
and legal recall at the 2% false-alarm budget?

    python -m benchmarks.flags_capacity [--cache /tmp/flags_e5_v6.npz]

Same training sets (HEADS_V6_TRAIN_SETS), same answer-grouped 5-fold CV (`answer_folds`), same
decision structure and selection (`decision_options` with the v6 veto grid, `choose_decisions`
at <= 2% pooled / <= 6% per source false alarms) as `train-v6`; only the head that produces the
out-of-fold segment probabilities changes. Nothing held out (eval, blind*) is read.
The e5 vectors of the training segments are encoded once and cached (`--cache`); `--nested`
chooses the decisions inside the training folds. Run with OMP_NUM_THREADS=1 on a shared machine.
Results and verdict (nothing beat v6): benchmarks/results/flags_capacity.txt.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from training.flag_heads_common import (
    HEADS_V6_TRAIN_SETS,
    MODEL_SEED,
    MODEL_TYPES,
    answer_folds,
    scaled_head,
)
from training.flag_heads_selection import (
    V4_CS,
    V6_FALSE_ALARM_BUDGET,
    V6_PER_SET_CAP,
    V6_VETO_STRONG,
    choose_decisions,
    decision_options,
    mil_head,
    unit_rows,
)
from training.flag_scoring import encode_concat
from training.flag_sets import load_set
from training.flags_heads import V4_EMBEDDERS


def training_data(cache: Path) -> tuple[list, list[str], Any, Any]:
    from nlp_service.analysis.flags import SEGMENT_UNITS

    named = [(name, e) for name in HEADS_V6_TRAIN_SETS for e in load_set(name)]
    train = [e for _, e in named]
    sources = [name for name, _ in named]
    rows = unit_rows(train, SEGMENT_UNITS)
    if cache.exists():
        saved = np.load(cache, allow_pickle=False)
        if list(saved["texts"]) == rows.sentences:
            return train, sources, rows, saved["X"]
    from nlp_service.analysis.embedding import get_embedder
    from nlp_service.config import get_settings

    embedders = [get_embedder(spec, get_settings().threads) for spec in V4_EMBEDDERS]
    X = encode_concat(embedders, rows.sentences)
    np.savez(cache, X=X, texts=np.array(rows.sentences))
    return train, sources, rows, X


def _mil_rows(X, owners, positive_answers: set[int], c: float = 0.1):
    """The v6 multiple-instance labels (`mil_head`): a first logistic head picks each positive
    answer's most likely segment; the other segments of positive answers are left out."""
    y = np.array([int(o in positive_answers) for o in owners])
    p = scaled_head(c).fit(X, y).predict_proba(X)[:, 1]
    keep = y == 0
    for o in positive_answers:
        rows = np.flatnonzero(owners == o)
        if len(rows):
            keep[rows[np.argmax(p[rows])]] = True
    return keep, y


def answer_context(X, owners):
    """Per segment: [segment, mean of its answer's segments, max over them] (no extra encoding:
    the pipeline has every segment vector of the answer)."""
    mean = np.zeros_like(X)
    mx = np.zeros_like(X)
    for o in np.unique(owners):
        r = owners == o
        mean[r] = X[r].mean(axis=0)
        mx[r] = X[r].max(axis=0)
    return np.hstack([X, mean, mx])


Fit = Callable[[Any, Any, Any, set[int]], Callable[[Any], Any]]


def logistic(c: float) -> Fit:
    def fit(X, owners, _rows_unused, positives):
        head = mil_head(X, owners, positives, c)
        return lambda Z: head.predict_proba(Z)[:, 1]

    return fit


def mlp(hidden: int, alpha: float, seed: int = MODEL_SEED) -> Fit:
    def fit(X, owners, _rows_unused, positives):
        from sklearn.neural_network import MLPClassifier
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        keep, y = _mil_rows(X, owners, positives)
        Xk, yk = X[keep], y[keep]
        # balanced classes, as the logistic heads (class_weight=balanced)
        w = np.where(yk == 1, len(yk) / (2 * max(yk.sum(), 1)), len(yk) / (2 * (yk == 0).sum()))
        model = make_pipeline(
            StandardScaler(),
            MLPClassifier(
                (hidden,),
                alpha=alpha,
                early_stopping=True,
                validation_fraction=0.15,
                n_iter_no_change=15,
                max_iter=400,
                random_state=seed,
            ),
        )
        model.fit(Xk, yk, mlpclassifier__sample_weight=w)
        return lambda Z: model.predict_proba(Z)[:, 1]

    return fit


def knn(k: int) -> Fit:
    """Class-balanced vote of the k most similar training segments (cosine on e5 vectors)."""

    def fit(X, owners, _rows_unused, positives):
        keep, y = _mil_rows(X, owners, positives)
        ref, ry = X[keep], y[keep]
        wpos = (ry == 0).sum() / max(ry.sum(), 1)

        def predict(Z):
            sims = Z @ ref.T
            idx = np.argpartition(-sims, k, axis=1)[:, :k]
            lab = ry[idx]
            pos = (lab == 1).sum(axis=1) * wpos
            return pos / (pos + (lab == 0).sum(axis=1))

        return predict

    return fit


def out_of_fold(fit: Fit, X, rows, folds, positives) -> dict[str, Any]:
    prob = {t: np.zeros(len(rows.sentences)) for t in MODEL_TYPES}
    for fit_answers, test_answers in folds:
        fit_rows = np.isin(rows.owners, fit_answers)
        test_rows = np.isin(rows.owners, test_answers)
        for t in MODEL_TYPES:
            predict = fit(X[fit_rows], rows.owners[fit_rows], None, positives[t] & set(fit_answers))
            prob[t][test_rows] = predict(X[test_rows])
    return prob


def cv_decisions(prob, rows, gold, sources) -> tuple[dict, dict] | None:
    options = {
        t: decision_options(prob[t], rows, t, len(gold), V6_VETO_STRONG) for t in MODEL_TYPES
    }
    return choose_decisions(
        gold, rows.abuse, options, sources, V6_FALSE_ALARM_BUDGET, V6_PER_SET_CAP
    )


def nested(fit: Fit, X, rows, folds, positives, gold, sources):
    """Stricter than the v6 figure: per outer fold, the decisions (vetoes, thresholds) are
    chosen on out-of-fold probabilities of the four other folds only (inner CV over them), then
    applied to the outer fold scored by heads fitted on those four folds."""
    from training.flag_scoring import score

    n = len(gold)
    predicted: list[set[str]] = [set() for _ in range(n)]
    for k, (_, outer_test) in enumerate(folds):
        inner = [f for j, f in enumerate(folds) if j != k]
        inner_answers = np.concatenate([f[1] for f in inner])
        inner_prob = {t: np.zeros(len(rows.sentences)) for t in MODEL_TYPES}
        for j in range(len(inner)):
            fit_a = np.concatenate([f[1] for i, f in enumerate(inner) if i != j])
            fit_rows = np.isin(rows.owners, fit_a)
            test_rows = np.isin(rows.owners, inner[j][1])
            for t in MODEL_TYPES:
                predict = fit(X[fit_rows], rows.owners[fit_rows], None, positives[t] & set(fit_a))
                inner_prob[t][test_rows] = predict(X[test_rows])
        opts = {
            t: {
                key: f[inner_answers]
                for key, f in decision_options(inner_prob[t], rows, t, n, V6_VETO_STRONG).items()
            }
            for t in MODEL_TYPES
        }
        chosen = choose_decisions(
            [gold[i] for i in inner_answers],
            rows.abuse[inner_answers],
            opts,
            [sources[i] for i in inner_answers],
            V6_FALSE_ALARM_BUDGET,
            V6_PER_SET_CAP,
        )
        outer_prob = {t: np.zeros(len(rows.sentences)) for t in MODEL_TYPES}
        fit_rows = np.isin(rows.owners, inner_answers)
        test_rows = np.isin(rows.owners, outer_test)
        for t in MODEL_TYPES:
            predict = fit(
                X[fit_rows], rows.owners[fit_rows], None, positives[t] & set(inner_answers)
            )
            outer_prob[t][test_rows] = predict(X[test_rows])
        for t in MODEL_TYPES:
            key = chosen[0][t] if chosen else (0.0, 0.0, 2.0)  # rules only
            flagged = decision_options(outer_prob[t], rows, t, n, V6_VETO_STRONG)[key]
            for i in outer_test:
                if flagged[i]:
                    predicted[i].add(t)
        for i in outer_test:
            if rows.abuse[i]:
                predicted[i].add("abuse")
    return {}, score(gold, predicted)


def line(name: str, res) -> str:
    if res is None:
        return f"{name:34s} nothing within the budget"
    decisions, cv = res
    cells = []
    for t in MODEL_TYPES:
        m = cv["types"][t]
        cells.append(f"{m['recall'] or 0:.2f}/{m['precision'] or 0:.2f}")
    fa = f"{cv['false_alarms']}/{cv['ordinary']}"
    return f"{name:34s} {fa:>8s}  " + "  ".join(f"{c:>9s}" for c in cells) + f"  {decisions}"


CANDIDATES: dict[str, tuple[str, Fit]] = {
    **{f"v6 logistic C={c}": ("seg", logistic(c)) for c in V4_CS},
    **{f"logistic seg+mean+max C={c}": ("ctx", logistic(c)) for c in V4_CS},
    **{f"mlp {h} alpha={a}": ("seg", mlp(h, a)) for h in (64, 256) for a in (1e-3, 1e-1, 1.0)},
    **{f"mlp ctx {h} alpha={a}": ("ctx", mlp(h, a)) for h in (128,) for a in (1e-1, 1.0)},
    **{f"knn k={k}": ("seg", knn(k)) for k in (5, 15, 40)},
}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, default=Path("/tmp/flags_e5_v6.npz"))
    parser.add_argument("--encode-only", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated name parts")
    parser.add_argument("--nested", action="store_true", help="decisions chosen per outer fold")
    args = parser.parse_args()
    t0 = time.time()
    train, sources, rows, X = training_data(args.cache)
    print(f"{len(train)} answers, {X.shape} rows, {time.time() - t0:.0f}s", flush=True)
    if args.encode_only:
        raise SystemExit(0)
    gold = [e.flags for e in train]
    folds = answer_folds(train)
    positives = {t: {i for i, e in enumerate(train) if t in e.flags} for t in MODEL_TYPES}
    features = {"seg": X, "ctx": answer_context(X, rows.owners)}
    print(f"{'candidate':34s} {'FA':>8s}  " + "  ".join(f"{t + ' R/P':>9s}" for t in MODEL_TYPES))
    only = set(args.only.split(",")) if args.only else None
    for name, (feat, fit) in CANDIDATES.items():
        if only and not any(o in name for o in only):
            continue
        started = time.time()
        if args.nested:
            res = nested(fit, features[feat], rows, folds, positives, gold, sources)
            name = "nested " + name
        else:
            prob = out_of_fold(fit, features[feat], rows, folds, positives)
            res = cv_decisions(prob, rows, gold, sources)
        print(line(name, res), f"{time.time() - started:.0f}s", flush=True)
