"""Train and evaluate sentiment models.

    python -m training.sentiment train [--kind e5-lora|polarity-head|polarity-v4|polarity-v6|
        polarity-v7|polarity-v9|head]
    python -m training.sentiment evaluate [--version V ...]
(= nlp-service train sentiment / nlp-service evaluate sentiment)

Kinds (see nlp_service/analysis/sentiment.py), one module each:
- "polarity-head" (candidate a, `polarity_head.py`): a strongly regularised binary logistic head
  on frozen e5 vectors (e5-torch), trained on packaged English data (tweets, drug reviews) + the
  project's written feedback TRAIN split; C, the weight of the written data and the neutral band
  are chosen by 5-fold cross-validation on the written train split, scoring each answer as the
  plain mean of its segment scores (as served).
- "e5-lora" (candidate b, `lora.py`): e5 fine-tuned with a LoRA adapter + polarity head
  (training/sentiment_lora.py), initialised from candidate a; epoch and neutral band chosen on a
  dev fold of the written train split.
- "polarity-v4", v5 (the lexicon blend), "polarity-v6", "polarity-v7": `polarity_v4.py` ..
  `polarity_v7.py`; "polarity-v9" (`polarity_v9.py`: v7's data + the four short German dev sets,
  lexicon layer 8; its recipe chosen leave-one-set-out by `v9_loso.py`).
- "head" (`three_class.py`): the 2026-11-24 three-class head on tweets + drug reviews (kept for
  comparison).
Shared by the recipes: `vectors.py` (embedder, vector cache), `data.py` (seed, packaged pool,
folds, a card's data section), `answers.py` (answers split and scored as served),
`soft_targets.py`, `classification_metrics.py`; `scorers.py` and `evaluation.py` score any shipped
model; `kinds.py` maps `--kind` to its recipe. This package re-exports every name callers use.
Heldout and eval splits are never used for training, selection or thresholds (v9 alone trains
on the four short German sets once written as blind sets, dev sets since round 9; never on the
long German review sets).
"""

from training.sentiment.answers import (
    answer_scores,
    answers_from_segments,
    segment_mean_vectors,
    segment_texts,
)
from training.sentiment.classification_metrics import (
    MARGIN_GRID,
    best_margin,
    metrics,
)
from training.sentiment.data import (
    CV_FOLDS,
    PACKAGED_MAX_CHARS,
    PACKAGED_TWEETS_PER_CLASS,
    SEED,
    _data_card,
    _sha,
    folds,
    packaged_pool,
)
from training.sentiment.evaluation import (
    EVAL_DRUG_REVIEWS,
    EVAL_TWEETS_PER_CLASS,
    evaluate,
    evaluate_many,
    evaluate_scorer,
    evaluation_sets,
    print_table,
    record_metrics,
)
from training.sentiment.kinds import (
    train,
)
from training.sentiment.lora import (
    assemble_lora,
    lora_packaged,
    train_lora,
)
from training.sentiment.polarity_head import (
    C_GRID,
    WRITTEN_SHARE_GRID,
    PolarityFit,
    fit_polarity,
    train_polarity,
    train_polarity_head,
)
from training.sentiment.polarity_v4 import (
    SECOND_EMBEDDER,
    V4_C_GRID,
    V4_WEIGHT_GRID,
    _fit_written,
    _mix,
    _oof_answers,
    train_polarity_v4,
)
from training.sentiment.polarity_v5 import (
    V5_BASE,
    V5_FULL_WORDS_GRID,
    V5_WEIGHT_GRID,
    _lexicon_quality,
    build_lexicon_model,
    select_lexicon_blend,
)
from training.sentiment.polarity_v6 import (
    SHORT_SOURCES,
    V6_C_GRID,
    V6_FULL_WORDS_GRID,
    V6_REFERENCE,
    V6_SHORT_WEIGHT_GRID,
    V6_WEIGHT_GRID,
    _fit_sources,
    train_polarity_v6,
    v6_training_set,
)
from training.sentiment.polarity_v7 import (
    V7_DRUG_DIAGNOSTIC,
    V7_RECIPE,
    train_polarity_v7,
    v7_packaged,
)
from training.sentiment.polarity_v9 import (
    V9_GRID,
    V9_RECIPE,
    train_polarity_v9,
)
from training.sentiment.scorers import (
    HeadScorer,
    SegmentScorer,
    TextScorer,
    load_scorer,
)
from training.sentiment.soft_targets import (
    _binary_rows,
)
from training.sentiment.three_class import (
    PARALLEL,
    C,
    _calibrate_margin,
    _fit,
    evaluate_head,
    language_directions,
    train_three_class,
)
from training.sentiment.vectors import (
    MAX_TRAIN_CHARS,
    TORCH_EMBEDDER,
    _VectorStore,
    embed,
)

__all__ = [
    "CV_FOLDS",
    "C_GRID",
    "EVAL_DRUG_REVIEWS",
    "EVAL_TWEETS_PER_CLASS",
    "MARGIN_GRID",
    "MAX_TRAIN_CHARS",
    "PACKAGED_MAX_CHARS",
    "PACKAGED_TWEETS_PER_CLASS",
    "PARALLEL",
    "SECOND_EMBEDDER",
    "SEED",
    "SHORT_SOURCES",
    "TORCH_EMBEDDER",
    "V4_C_GRID",
    "V4_WEIGHT_GRID",
    "V5_BASE",
    "V5_FULL_WORDS_GRID",
    "V5_WEIGHT_GRID",
    "V6_C_GRID",
    "V6_FULL_WORDS_GRID",
    "V6_REFERENCE",
    "V6_SHORT_WEIGHT_GRID",
    "V6_WEIGHT_GRID",
    "V7_DRUG_DIAGNOSTIC",
    "V7_RECIPE",
    "V9_GRID",
    "V9_RECIPE",
    "WRITTEN_SHARE_GRID",
    "C",
    "HeadScorer",
    "PolarityFit",
    "SegmentScorer",
    "TextScorer",
    "_VectorStore",
    "_binary_rows",
    "_calibrate_margin",
    "_data_card",
    "_fit",
    "_fit_sources",
    "_fit_written",
    "_lexicon_quality",
    "_mix",
    "_oof_answers",
    "_sha",
    "answer_scores",
    "answers_from_segments",
    "assemble_lora",
    "best_margin",
    "build_lexicon_model",
    "embed",
    "evaluate",
    "evaluate_head",
    "evaluate_many",
    "evaluate_scorer",
    "evaluation_sets",
    "fit_polarity",
    "folds",
    "language_directions",
    "load_scorer",
    "lora_packaged",
    "metrics",
    "packaged_pool",
    "print_table",
    "record_metrics",
    "segment_mean_vectors",
    "segment_texts",
    "select_lexicon_blend",
    "train",
    "train_lora",
    "train_polarity",
    "train_polarity_head",
    "train_polarity_v4",
    "train_polarity_v6",
    "train_polarity_v7",
    "train_polarity_v9",
    "train_three_class",
    "v6_training_set",
    "v7_packaged",
]
