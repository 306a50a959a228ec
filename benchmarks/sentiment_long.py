"""Long answers: how should the answer-level sentiment of a multi-sentence text be computed?

Compares, on English drug reviews (held-out split, 150 reviews, several sentences each):
  whole    the head on one embedding of the whole text (truncated by the encoder's window)
  meanseg  the head on the length-weighted mean of the segment embeddings (what Pipeline does)
  scoreavg the length-weighted mean of per-segment scores

    python -m benchmarks.sentiment_long
"""

from __future__ import annotations

import numpy as np

from nlp_service.analysis.embedding import get_embedder, normalize
from nlp_service.analysis.segments import split_segments
from nlp_service.analysis.sentiment import SentimentHead, resolve_head_folder
from nlp_service.config import get_settings
from training import sentiment as training
from training.datasets import drug_reviews


def main(n: int = 150) -> None:
    settings = get_settings()
    emb = get_embedder(settings.sentiment_embedder, settings.threads)
    head = SentimentHead.load(resolve_head_folder(settings.models_dir, "latest", emb.id), emb.id)
    examples = drug_reviews("test")[:n]
    whole = training.embed(emb, [e.text for e in examples], "whole texts")
    segments = [split_segments(e.text[: training.MAX_TRAIN_CHARS], "en") for e in examples]
    flat = training.embed(emb, [s.text for segs in segments for s in segs], "segments")
    pooled, averaged, i = [], [], 0
    seg_scores = [p.score for p in head.predict(flat)]
    for segs in segments:
        w = np.array([len(s.text) for s in segs], dtype=np.float32)
        pooled.append((flat[i : i + len(segs)] * w[:, None]).sum(axis=0))
        averaged.append(float(np.dot(seg_scores[i : i + len(segs)], w) / w.sum()))
        i += len(segs)
    print(f"{n} reviews, {len(flat)} segments, mean {len(flat) / n:.1f} per review, head {head.id}")
    for name, vectors in (("whole", whole), ("meanseg", normalize(np.stack(pooled)))):
        m = training.metrics(examples, [(p.label, p.score) for p in head.predict(vectors)])
        acc, f1 = m["pos_neg_accuracy"], m["macro_f1"]
        print(f"{name:9s} pos-vs-neg accuracy {acc:.3f}  macro-F1 {f1:.3f}")
    polar = [(s, e.label) for s, e in zip(averaged, examples, strict=True) if e.label != "neutral"]
    acc = np.mean([(s > 0) == (label == "positive") for s, label in polar])
    print(f"{'scoreavg':9s} pos-vs-neg accuracy {acc:.3f}")


if __name__ == "__main__":
    main()
