"""Round 1: the rules versus a small context model (`python -m training.flags compare`).

A logistic head per context-decided type on the USE vector of a sentence, trained on the sets
the rules were developed on (dev + fresh) and scored on eval, blind and blind2 next to the rules,
the rules' candidate stage alone, and the rules + an every-sentence head above a threshold.
"""

from __future__ import annotations

import re

from sklearn.model_selection import StratifiedKFold, cross_val_predict

from nlp_service.analysis.flags import FlagType
from training.flag_heads_common import MODEL_SEED, MODEL_TYPES
from training.flag_scoring import SCORED_TYPES, TARGET_FALSE_ALARM, _fmt, predict, score
from training.flag_sets import FlagExample, load_set
from training.flags_heads_v2 import HEADS_THRESHOLDS

MODEL_CS = (0.1, 0.3, 1.0, 3.0, 10.0)  # chosen by 5-fold cross-validation on dev + fresh


def candidate_sentences(text: str) -> dict[str, list[str]]:
    """Sentences holding any strong or weak trigger of each context-decided type: the
    high-recall candidate stage, before any context decision."""
    from nlp_service.analysis.flags import _SENTENCE, _context_rules

    found: dict[str, list[str]] = {}
    for rules in _context_rules():
        for sentence in _SENTENCE.findall(text):
            if any(t.pattern.search(sentence) for t in rules.triggers):
                found.setdefault(rules.flag_type.value, []).append(sentence.strip())
    return found


def _head(c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=2000)


def _cv_f1(model, X, y, folds) -> float:
    p = cross_val_predict(model, X, y, cv=folds)
    tp = int(((p == 1) & (y == 1)).sum())
    return 2 * tp / max(int(p.sum()) + int(y.sum()), 1)


def compare_context_model(embedder_spec: str = "use", threads: int = 2) -> dict:
    """The rules versus a logistic head on the USE vector of a sentence (one head per type),
    trained on the sets the rules were developed on (dev + fresh) and scored on eval and blind.
    Abuse stays lexical in every system. Systems:
    - rules: the service;
    - candidates + head: the rules' trigger stage, then the head decides on the candidate's
      sentence instead of the context rules;
    - head on every sentence: no trigger stage at all (catches paraphrases without a trigger);
    - candidates only: the trigger stage alone, i.e. the recall ceiling of the first two."""
    import numpy as np

    from nlp_service.analysis.embedding import get_embedder

    embedder = get_embedder(embedder_spec, threads)
    train = load_set("dev") + load_set("fresh")
    tests = {name: load_set(name) for name in ("eval", "blind", "blind2")}
    sentence_split = re.compile(r"[^.!?\n]+[.!?]*")

    def sentences(text: str, t: str, candidates: bool) -> list[str]:
        if candidates:
            return candidate_sentences(text).get(t, [])
        return [x.strip() for x in sentence_split.findall(text) if x.strip()]

    def rows(examples: list[FlagExample], t: str, candidates: bool):
        owners, texts, labels = [], [], []
        for i, e in enumerate(examples):
            for sentence in sentences(e.text, t, candidates):
                owners.append(i)
                texts.append(sentence)
                labels.append(int(t in e.flags))
        return owners, texts, np.array(labels)

    def abuse_only(text: str) -> set[str]:
        return {x for x in predict(text) if x == FlagType.ABUSE.value}

    results: dict = {"embedder": embedder.id, "C": {}}
    folds = StratifiedKFold(5, shuffle=True, random_state=MODEL_SEED)
    # Answer-level probabilities of the every-sentence heads, for the rules + head union below.
    train_prob = {t: np.zeros(len(train)) for t in MODEL_TYPES}
    test_prob = {name: {t: np.zeros(len(ex)) for t in MODEL_TYPES} for name, ex in tests.items()}
    for system, candidates in (("candidates + head", True), ("head on every sentence", False)):
        predicted = {name: [abuse_only(e.text) for e in ex] for name, ex in tests.items()}
        for t in MODEL_TYPES:
            owners_tr, texts, y = rows(train, t, candidates)
            X = embedder.encode(texts)
            f1 = {c: _cv_f1(_head(c), X, y, folds) for c in MODEL_CS}
            c = max(MODEL_CS, key=f1.__getitem__)
            results["C"][f"{system}/{t}"] = c
            head = _head(c).fit(X, y)
            if not candidates:
                cv = cross_val_predict(_head(c), X, y, cv=folds, method="predict_proba")[:, 1]
                np.maximum.at(train_prob[t], owners_tr, cv)
            for name, examples in tests.items():
                owners, texts_t, _ = rows(examples, t, candidates)
                if not texts_t:
                    continue
                prob = head.predict_proba(embedder.encode(texts_t))[:, 1]
                if not candidates:
                    np.maximum.at(test_prob[name][t], owners, prob)
                for owner, hit in zip(owners, prob >= 0.5, strict=True):
                    if hit:
                        predicted[name][owner].add(t)
        for name, examples in tests.items():
            results[f"{system}/{name}"] = score([e.flags for e in examples], predicted[name])

    # Rules + every-sentence head above a threshold: the lowest threshold whose cross-validated
    # false-alarm rate on the training answers stays within the target (as `train_heads`).
    rules_train = [set(predict(e.text)) for e in train]
    ordinary = [i for i, e in enumerate(train) if not e.flags]

    def union(rules_sets: list[set[str]], prob: dict, tau: float) -> list[set[str]]:
        return [r | {t for t in MODEL_TYPES if prob[t][i] >= tau} for i, r in enumerate(rules_sets)]

    tau = next(
        (
            tau
            for tau in HEADS_THRESHOLDS
            if sum(bool(union(rules_train, train_prob, tau)[i]) for i in ordinary)
            <= TARGET_FALSE_ALARM * len(ordinary)
        ),
        HEADS_THRESHOLDS[-1],
    )
    results["union threshold"] = tau
    results["union sweep"] = {}
    for name, examples in tests.items():
        rules_sets = [set(predict(e.text)) for e in examples]
        gold = [e.flags for e in examples]
        results[f"rules + head >= {tau}/{name}"] = score(
            gold, union(rules_sets, test_prob[name], tau)
        )
        for other in HEADS_THRESHOLDS:
            part = score(gold, union(rules_sets, test_prob[name], other))
            results["union sweep"][f"{other}/{name}"] = {
                "false_alarms": f"{part['false_alarms']}/{part['ordinary']}",
                **{t: part["types"][t]["recall"] for t in MODEL_TYPES},
            }
    for name, examples in tests.items():
        gold = [e.flags for e in examples]
        results[f"rules/{name}"] = score(gold, [set(predict(e.text)) for e in examples])
        ceiling = [abuse_only(e.text) | set(candidate_sentences(e.text)) for e in examples]
        results[f"candidates only/{name}"] = score(gold, ceiling)
    return results


def print_comparison(results: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"context decision: rules vs logistic head on {results['embedder']}")
    table.add_column("system")
    for t in SCORED_TYPES:
        table.add_column(f"{t} P/R", justify="right")
    table.add_column("false alarms", justify="right")
    for name, part in sorted(results.items(), key=lambda kv: kv[0].rsplit("/", 1)[-1]):
        if not isinstance(part, dict) or "types" not in part:
            continue
        cells = [
            f"{_fmt(part['types'][t]['precision'])}/{_fmt(part['types'][t]['recall'])}"
            for t in SCORED_TYPES
        ]
        table.add_row(name, *cells, f"{part['false_alarms']}/{part['ordinary']}")
    console = Console(stderr=False, width=150)
    console.print(table)
    console.print(f"C per head (5-fold cv on dev + fresh): {results['C']}")
    tau = results["union threshold"]
    console.print(f"union threshold (cv false alarms <= 2% on dev + fresh): {tau}")
    console.print("rules + head, recall per type and false alarms by threshold:")
    for key, row in results["union sweep"].items():
        console.print(f"  {key}: {row}", markup=False)
