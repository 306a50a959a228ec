"""Stable theme IDs across refits: match the new themes to the previous version's by centroid
similarity, one-to-one (Hungarian assignment), above a threshold; record what happened to every
old and new theme (kept / merged / split / new / retired)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from nlp_service.analysis.topics.themes import MappingEntry


@dataclass(frozen=True)
class Matching:
    ids: np.ndarray  # stable id per new theme (row order of the new centroids)
    entries: tuple[MappingEntry, ...]
    next_id: int  # first id never used so far


def match_themes(
    new_centroids: np.ndarray,
    new_labels: list[str],
    old_centroids: np.ndarray,
    old_ids: np.ndarray,
    old_labels: list[str],
    next_id: int,
    match_similarity: float,
    related_similarity: float,
) -> Matching:
    k_new = len(new_centroids)
    ids = np.full(k_new, -1, dtype=np.int64)
    entries: list[MappingEntry] = []
    if len(old_centroids) and k_new:
        sims = new_centroids @ old_centroids.T
        rows, cols = linear_sum_assignment(-sims)
        pairs: list[tuple[int, int]] = [
            (int(r), int(c))
            for r, c in zip(rows, cols, strict=True)
            if sims[r, c] >= match_similarity
        ]
    else:
        sims = np.zeros((k_new, len(old_centroids)), dtype=np.float32)
        pairs = []
    matched_new = {r: c for r, c in pairs}
    matched_old = {c: r for r, c in pairs}
    for r, c in sorted(pairs, key=lambda p: int(old_ids[p[1]])):
        ids[r] = old_ids[c]
        entries.append(
            MappingEntry("kept", int(old_ids[c]), int(old_ids[c]), round(float(sims[r, c]), 4),
                         old_labels[c], new_labels[r])
        )  # fmt: skip

    # Unmatched new themes: carved out of an old theme that lives on (split), or new.
    for r in range(k_new):
        if r in matched_new:
            continue
        ids[r] = next_id
        next_id += 1
        c = int(sims[r].argmax()) if sims.shape[1] else -1
        if c >= 0 and c in matched_old and sims[r, c] >= related_similarity:
            entries.append(
                MappingEntry("split", int(old_ids[c]), int(ids[r]), round(float(sims[r, c]), 4),
                             old_labels[c], new_labels[r])
            )  # fmt: skip
        else:
            entries.append(MappingEntry("new", None, int(ids[r]), None, None, new_labels[r]))

    # Unmatched old themes: absorbed by a similar surviving theme (merged), or retired.
    for c in range(len(old_centroids)):
        if c in matched_old:
            continue
        r = int(sims[:, c].argmax()) if k_new else -1
        if r >= 0 and sims[r, c] >= related_similarity:
            entries.append(
                MappingEntry("merged", int(old_ids[c]), int(ids[r]), round(float(sims[r, c]), 4),
                             old_labels[c], new_labels[r])
            )  # fmt: skip
        else:
            entries.append(
                MappingEntry("retired", int(old_ids[c]), None, None, old_labels[c], None)
            )
    return Matching(ids, tuple(entries), next_id)
