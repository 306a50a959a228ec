"""How should an answer's sentiment score be built from its segments' scores?

Out-of-fold segment scores of the polarity-head recipe (frozen e5-torch vectors, written data
only, C as chosen by the served head's cross-validation) on the written TRAIN split only (never
heldout or eval lines); for every rule the neutral band is re-chosen by macro-F1 on the same
out-of-fold scores, as training does. Cells: all written train answers, German answers by length
(the feedback files' `length`; the short-answer files count as short) and all answers with more
than one segment (the only ones a rule can change).

    python -m benchmarks.sentiment_aggregation [--corpus v2|v3] [--c 10]

v2 = the feedback files only (what the v2 head was trained on), v3 = feedback + short answers.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Sequence

import numpy as np

from nlp_service.analysis.embedding import get_embedder
from nlp_service.analysis.sentiment import answer_score
from nlp_service.config import get_settings
from training import sentiment as training
from training.datasets import TRAINING_DIR, Example, feedback_corpus, written_corpus

Rule = Callable[[np.ndarray], float]


def weighted(eps: float) -> Rule:
    def rule(s: np.ndarray) -> float:
        w = np.abs(s) + eps
        return float((w * s).sum() / w.sum())

    return rule


RULES: dict[str, Rule] = {
    "plain mean (v2)": lambda s: float(np.mean(s)),
    "floor 0.05": lambda s: answer_score(s, 0.05),
    "floor 0.1 (served)": lambda s: answer_score(s, 0.1),
    "floor 0.15": lambda s: answer_score(s, 0.15),
    "floor 0.2": lambda s: answer_score(s, 0.2),
    "floor 0.3": lambda s: answer_score(s, 0.3),
    "weights |s|": weighted(0.0),
    "weights |s|+0.3": weighted(0.3),
    "most extreme segment": lambda s: float(s[np.argmax(np.abs(s))]),
}


def out_of_fold(written: Sequence[Example], c: float) -> tuple[np.ndarray, list[range]]:
    settings = get_settings()
    embedder = get_embedder(training.TORCH_EMBEDDER, settings.threads)
    X_w = training.embed(embedder, [e.text for e in written], "embed written")
    flat, groups = training.segment_texts(written)
    X_seg = training.embed(embedder, flat, "embed segments")
    fold = np.array(training.folds(written))
    seg = np.zeros(len(flat))
    for f in range(training.CV_FOLDS):
        tr = [int(i) for i in np.flatnonzero(fold != f)]
        coef, b = training.fit_polarity(X_w[:0], [], X_w[tr], [written[i] for i in tr], c, 1.0)
        scores = np.tanh((X_seg @ coef + b) / 2)
        for i in np.flatnonzero(fold == f):
            seg[groups[i].start : groups[i].stop] = scores[groups[i].start : groups[i].stop]
    return seg, groups


def lengths() -> dict[str, str]:
    out = {}
    for path in (TRAINING_DIR / "data").glob("feedback_sentiment_*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out[row["text"]] = row["length"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", choices=["v2", "v3"], default="v3")
    parser.add_argument("--c", type=float, default=10.0)
    args = parser.parse_args()
    written = written_corpus("train") if args.corpus == "v3" else feedback_corpus("train")
    seg, groups = out_of_fold(written, args.c)
    length = lengths()
    cells: dict[str, list[int]] = {"all": list(range(len(written)))}
    for name in ("short", "medium", "long"):
        cells[f"de/{name}"] = [
            i
            for i, e in enumerate(written)
            if e.language == "de" and length.get(e.text, "short") == name
        ]
    cells["multi-segment"] = [i for i, g in enumerate(groups) if len(g) > 1]
    print(f"# python -m benchmarks.sentiment_aggregation --corpus {args.corpus} --c {args.c}")
    print(f"# load average {os.getloadavg()[0]:.1f}; written train split only, out-of-fold")
    print("# cell: pos-vs-neg accuracy / AUC / macro-F1 (neutral band re-chosen per rule)")
    print(
        f"{'rule':22s} band  "
        + "  ".join(f"{c} (n={len(ix)})".rjust(24) for c, ix in cells.items())
    )
    for name, rule in RULES.items():
        scores = np.array([rule(seg[g.start : g.stop]) for g in groups])
        margin, _ = training.best_margin(scores, written)
        preds = [
            ("neutral" if abs(s) <= margin else "positive" if s > 0 else "negative", float(s))
            for s in scores
        ]
        row = []
        for idx in cells.values():
            m = training.metrics([written[i] for i in idx], [preds[i] for i in idx])
            row.append(f"{m['pos_neg_accuracy']:.3f}/{m['auc']:.3f}/{m['macro_f1']:.3f}")
        print(f"{name:22s} {margin:.2f}  " + "  ".join(x.rjust(24) for x in row))


if __name__ == "__main__":
    main()
