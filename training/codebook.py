"""Build and evaluate codebooks.

  python -m training.codebook build [FOLDER] [--coverage 0.9]
      embed the examples of FOLDER/codebook.json (default: the active cx-starter version) with
      the main embedder, calibrate the threshold on the held-out examples and write
      topics.safetensors + manifest.json next to it; prints the calibration and the held-out
      comparison of assignment methods.
  python -m training.codebook evaluate [--data training/data/codebook_eval.jsonl] [--out FILE]
      assign the evaluation answers (segmented like the pipeline) with the built codebook and
      report, per language, top-1 accuracy, the share of themed answers that got a theme and the
      precision of the assigned themes.

The evaluation set is written separately from the codebook (see training/data/codebook_eval.md)
and never used to build or tune it: methods and the threshold are chosen on the codebook's own
examples."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlp_service.analysis.codebook import (
    CODEBOOKS_DIR,
    DEFAULT_COVERAGE,
    DESCRIPTION_WEIGHT,
    build_codebook,
    description_prior,
    example_groups,
    load_codebook_model,
    resolve_codebook_folder,
    theme_centroids,
)
from nlp_service.analysis.codebook_schema import load_codebook
from nlp_service.analysis.segments import split_segments
from nlp_service.analysis.topics.centroids import normalize_rows
from nlp_service.errors import InvalidInput
from training.datasets import TRAINING_DIR

EVAL_FILE = TRAINING_DIR / "data" / "codebook_eval.jsonl"
RESULTS_FILE = TRAINING_DIR.parent / "benchmarks" / "results" / "codebook.txt"
DEFAULT_SPEC = "cx-starter"


def _embedder():  # -> Embedder
    from nlp_service.analysis.embedding import get_embedder
    from nlp_service.config import get_settings

    s = get_settings()
    return get_embedder(s.embedder, s.threads, s.encode_batch_size)


def _models_dir() -> Path:
    from nlp_service.config import get_settings

    return Path(get_settings().models_dir)


# --- held-out comparison of assignment methods (training only; serving uses centroids) -----
Scorer = Callable[[np.ndarray, np.ndarray, np.ndarray, list[int]], np.ndarray]


def _centroid_scores(train: np.ndarray, y: np.ndarray, test: np.ndarray, themes: list[int]):
    cents = normalize_rows(np.stack([train[y == t].mean(axis=0) for t in themes]))
    return test @ cents.T


def _topk_scores(k: int) -> Scorer:
    def score(train: np.ndarray, y: np.ndarray, test: np.ndarray, themes: list[int]):
        sims = test @ train.T
        return np.stack(
            [np.sort(sims[:, y == t], axis=1)[:, ::-1][:, :k].mean(axis=1) for t in themes], axis=1
        )

    return score


def _kmeans_scores(k: int) -> Scorer:
    def score(train: np.ndarray, y: np.ndarray, test: np.ndarray, themes: list[int]):
        from sklearn.cluster import KMeans

        cols = []
        for t in themes:
            members = train[y == t]
            km = KMeans(k, n_init=4, random_state=0).fit(members)
            cols.append((test @ normalize_rows(km.cluster_centers_).T).max(axis=1))
        return np.stack(cols, axis=1)

    return score


METHODS: dict[str, Scorer] = {
    "centroid (1 prototype per theme)": _centroid_scores,
    "nearest example": _topk_scores(1),
    "mean of 3 nearest examples": _topk_scores(3),
    "k-means, 2 prototypes per theme": _kmeans_scores(2),
    "k-means, 3 prototypes per theme": _kmeans_scores(3),
}


def compare_methods(
    vectors: np.ndarray,
    ids: np.ndarray,
    groups: np.ndarray,
    themes: list[int],
    prior: np.ndarray | None = None,
) -> dict[str, float]:
    """Held-out accuracy per method: each fold holds out one position of every theme's example
    lists (an example together with its translation), the rest build the prototypes."""
    x = normalize_rows(vectors)
    methods = dict(METHODS)
    if prior is not None:
        methods["centroid + labels and descriptions"] = lambda tr, y, te, th: (
            te @ (theme_centroids(tr, y, th, prior).T)
        )
    out = {}
    for name, scorer in methods.items():
        pred = np.zeros(len(ids), dtype=np.int64)
        for g in np.unique(groups):
            test = groups == g
            sims = scorer(x[~test], ids[~test], x[test], themes)
            pred[test] = np.asarray(themes)[sims.argmax(axis=1)]
        out[name] = float((pred == ids).mean())
    return out


# --- evaluation ----------------------------------------------------------------------------
@dataclass(frozen=True)
class EvalAnswer:
    id: str
    text: str
    language: str
    themes: tuple[int, ...]
    primary: int | None


def read_eval(path: Path) -> list[EvalAnswer]:
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            primary = None if obj["primary"] is None else int(obj["primary"])
            themes = tuple(int(t) for t in obj["themes"])
            out.append(EvalAnswer(str(obj["id"]), obj["text"], obj["language"], themes, primary))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"{path} line {n}: {exc!r}", field="data") from None
    return out


@dataclass(frozen=True)
class Figures:
    answers: int
    themed: int  # answers with a primary theme
    top1: float  # highest-confidence predicted theme == primary (over themed answers)
    primary_found: float  # primary among the predicted themes (over themed answers)
    assigned: float  # themed answers that got any theme
    precision: float  # predicted (answer, theme) pairs that are in the answer's gold list
    predicted: int
    recall: float  # gold themes (all answers) that were predicted
    unthemed_assigned: float | None  # answers without any gold theme that still got one


def score_answers(answers: Sequence[EvalAnswer], predicted: Sequence[list[tuple[int, float]]]):
    themed = [i for i, a in enumerate(answers) if a.primary is not None]
    none = [i for i, a in enumerate(answers) if not a.themes]
    top1 = [bool(predicted[i]) and predicted[i][0][0] == answers[i].primary
            for i in themed]  # fmt: skip
    found = [answers[i].primary in {t for t, _ in predicted[i]} for i in themed]
    pairs = [(t in answers[i].themes) for i in range(len(answers)) for t, _ in predicted[i]]
    return Figures(
        answers=len(answers),
        themed=len(themed),
        top1=float(np.mean(top1)) if themed else 0.0,
        primary_found=float(np.mean(found)) if themed else 0.0,
        assigned=float(np.mean([bool(predicted[i]) for i in themed])) if themed else 0.0,
        precision=float(np.mean(pairs)) if pairs else 0.0,
        predicted=len(pairs),
        recall=float(
            np.mean(
                [t in {p for p, _ in predicted[i]} for i, a in enumerate(answers) for t in a.themes]
            )
        )
        if any(a.themes for a in answers)
        else 0.0,
        unthemed_assigned=float(np.mean([bool(predicted[i]) for i in none])) if none else None,
    )


def predict(model, answers: Sequence[EvalAnswer], embedder) -> list[list[tuple[int, float]]]:
    """Each answer's themes: the set of its segments' themes with their best confidence."""
    segs = [split_segments(a.text, a.language) for a in answers]
    flat = [s.text for ss in segs for s in ss]
    owner = [i for i, ss in enumerate(segs) for _ in ss]
    langs = [answers[i].language for i in owner]
    assignments = model.assign(embedder.encode(flat), langs)
    best: list[dict[int, float]] = [{} for _ in answers]
    for i, a in zip(owner, assignments, strict=True):
        if a.id >= 0:
            best[i][a.id] = max(best[i].get(a.id, 0.0), a.confidence)
    return [sorted(b.items(), key=lambda kv: -kv[1]) for b in best]


def _row(name: str, f: Figures) -> str:
    un = "-" if f.unthemed_assigned is None else f"{f.unthemed_assigned:.3f}"
    head = f"{name:<8} {f.answers:>7} {f.themed:>6} {f.top1:>6.3f} {f.primary_found:>9.3f} "
    return (
        head + f"{f.assigned:>8.3f} {f.precision:>9.3f} {f.predicted:>9} {f.recall:>6.3f} {un:>15}"
    )


HEADER = ("language answers themed  top-1 primary-in assigned precision predicted recall "
          "no-theme->theme")  # fmt: skip


def evaluate(
    spec: str, data: Path, thresholds: Sequence[float] = (), also: Sequence[str] = ()
) -> str:
    model = load_codebook_model(spec, _models_dir())
    answers = read_eval(data)
    embedder = _embedder()
    lines = [
        f"codebook {model.name}:{model.version} ({model.embedder_id}, {model.info['params']}), "
        f"threshold {model.threshold} (calibrated on the codebook's own examples)",
        f"evaluation set {data.name}: {len(answers)} answers (written separately from the "
        "codebook; never used to build or tune it)",
        "",
        HEADER,
    ]
    predicted = predict(model, answers, embedder)
    for lang in [*sorted({a.language for a in answers}), "all"]:
        rows = [i for i, a in enumerate(answers) if lang in ("all", a.language)]
        f = score_answers([answers[i] for i in rows], [predicted[i] for i in rows])
        lines.append(_row(lang, f))
    for other_spec in also:
        other = load_codebook_model(other_spec, _models_dir())
        lines += ["", f"other build {other_spec}: {other.info['params']}, threshold "
                  f"{other.threshold} (for comparison)", HEADER]  # fmt: skip
        preds = predict(other, answers, embedder)
        for lang in [*sorted({a.language for a in answers}), "all"]:
            rows = [i for i, a in enumerate(answers) if lang in ("all", a.language)]
            lines.append(_row(lang, score_answers([answers[i] for i in rows],
                                                  [preds[i] for i in rows])))  # fmt: skip
    if thresholds:
        lines += ["", "other thresholds (for information; not used to choose the shipped one):",
                  "threshold " + HEADER]  # fmt: skip
        shipped = model.threshold
        for t in thresholds:
            model.threshold = t
            preds = predict(model, answers, embedder)
            lines.append(f"{t:<9} " + _row("all", score_answers(answers, preds)))
        model.threshold = shipped
    lines += [
        "",
        "top-1: the answer's highest-confidence theme is its primary theme (themed answers);",
        "primary-in: the primary theme is among the answer's themes; assigned: themed answers",
        "with any theme; precision: predicted themes (all answers) in the answer's gold list;",
        "predicted: answer-theme pairs predicted; recall: gold answer-theme pairs predicted",
        "(one theme per segment caps it: 105 answers name several themes, 47 have several",
        "segments); no-theme->theme: answers with no gold theme that still got one.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="embed the examples and write the assignable artifact")
    b.add_argument("folder", nargs="?", default=None, help="codebook version folder")
    b.add_argument("--coverage", type=float, default=DEFAULT_COVERAGE)
    b.add_argument(
        "--description-weight",
        type=float,
        default=DESCRIPTION_WEIGHT,
        help="how many examples a label or description counts as (0: examples only)",
    )
    b.add_argument("--no-compare", action="store_true", help="skip the held-out comparison")
    e = sub.add_parser("evaluate", help="score the built codebook on the evaluation set")
    e.add_argument("--codebook", default=DEFAULT_SPEC)
    e.add_argument("--data", type=Path, default=EVAL_FILE)
    e.add_argument("--out", type=Path, default=RESULTS_FILE)
    e.add_argument("--thresholds", type=float, nargs="*", default=[])
    e.add_argument("--also", nargs="*", default=[], help="other codebook builds to compare")
    args = parser.parse_args(argv)

    if args.command == "build":
        folder = Path(args.folder) if args.folder else resolve_codebook_folder(
            DEFAULT_SPEC, _models_dir()
        )  # fmt: skip
        embedder = _embedder()
        model, cal = build_codebook(folder, embedder, args.coverage, args.description_weight)
        print(f"built {model.name}:{model.version} in {folder}: {len(model.themes_)} themes, "
              f"{cal.examples} examples, embedder {model.embedder_id}")  # fmt: skip
        print("calibration:", json.dumps(cal.to_dict()))
        if not args.no_compare:
            codebook = load_codebook(folder)
            texts, ids, langs = codebook.examples()
            themes = [t.id for t in codebook.themes]
            acc = compare_methods(embedder.encode(texts), np.asarray(ids),
                                  example_groups(ids, langs), themes,
                                  description_prior(codebook, embedder))  # fmt: skip
            print("held-out accuracy (example + its translation held out):")
            for name, value in acc.items():
                print(f"  {name:<36} {value:.3f}")
    else:
        report = evaluate(args.codebook, args.data, args.thresholds, args.also)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report + "\n", encoding="utf-8")
        print(report)


if __name__ == "__main__":
    main()

__all__ = ["CODEBOOKS_DIR", "compare_methods", "evaluate", "main", "read_eval", "score_answers"]
