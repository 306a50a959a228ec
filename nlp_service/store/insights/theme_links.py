"""The (answer, theme) pairs the insights compute on: one numpy array per field, one row per pair.

Pure: no SQL here. `collapse` turns sentence rows into pairs, the one rule for how an answer's
sentences add up to its sentiment on a theme.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ThemeLinks:
    """One row per (answer, theme): the theme's sentiment in that answer."""

    seq: np.ndarray  # int64 entry seq
    theme: np.ndarray  # int64 theme id
    sign: np.ndarray  # int8: -1 any sentence negative, else 1 any positive, else 0
    segment: np.ndarray | None = None  # int64: the pair's sentence closest to the theme centre
    confidence: np.ndarray | None = None  # float: that sentence's cosine to the centre

    def __len__(self) -> int:
        return len(self.seq)

    @property
    def nbytes(self) -> int:
        parts = (self.seq, self.theme, self.sign, self.segment, self.confidence)
        return sum(a.nbytes for a in parts if a is not None)

    def take(self, idx: np.ndarray) -> ThemeLinks:
        return ThemeLinks(
            self.seq[idx],
            self.theme[idx],
            self.sign[idx],
            None if self.segment is None else self.segment[idx],
            None if self.confidence is None else self.confidence[idx],
        )

    def inserted(self, at: np.ndarray, other: ThemeLinks) -> ThemeLinks:
        """`other`'s rows inserted before positions `at` (np.insert)."""

        def put(mine: np.ndarray | None, theirs: np.ndarray | None) -> np.ndarray | None:
            return None if mine is None or theirs is None else np.insert(mine, at, theirs)

        return ThemeLinks(
            np.insert(self.seq, at, other.seq),
            np.insert(self.theme, at, other.theme),
            np.insert(self.sign, at, other.sign),
            put(self.segment, other.segment),
            put(self.confidence, other.confidence),
        )

    @classmethod
    def concat(cls, parts: list[ThemeLinks]) -> ThemeLinks:
        def cat(name: str) -> np.ndarray | None:
            arrays = [getattr(p, name) for p in parts]
            return None if any(a is None for a in arrays) else np.concatenate(arrays)

        seq, theme, sign = (
            np.concatenate([getattr(p, n) for p in parts]) for n in ("seq", "theme", "sign")
        )
        return cls(seq, theme, sign, cat("segment"), cat("confidence"))


def collapse(
    seq: np.ndarray,
    theme: np.ndarray,
    sign: np.ndarray,
    segment: np.ndarray | None = None,
    confidence: np.ndarray | None = None,
) -> ThemeLinks:
    """One row per (answer, theme), ordered by answer then theme: an answer counts once for a
    theme however many of its sentences carry it; its sign is -1 when any of them is negative,
    else the largest; with `segment`/`confidence`, the pair keeps its sentence closest to the
    theme centre (ties: the lowest segment id)."""
    if len(seq) == 0:
        return ThemeLinks(seq, theme, sign.astype(np.int8), segment, confidence)
    if segment is not None and confidence is not None:
        # One sort: within each pair the most central sentence comes first.
        order = np.lexsort((segment, -confidence, theme, seq))
    else:
        order = np.lexsort((theme, seq))
    s_seq, s_theme, s_sign = seq[order], theme[order], sign[order].astype(np.int8)
    first = np.ones(len(seq), dtype=bool)
    first[1:] = (s_seq[1:] != s_seq[:-1]) | (s_theme[1:] != s_theme[:-1])
    starts = np.flatnonzero(first)
    low, high = np.minimum.reduceat(s_sign, starts), np.maximum.reduceat(s_sign, starts)
    best_segment = best_confidence = None
    if segment is not None and confidence is not None:
        best_segment, best_confidence = segment[order][first], confidence[order][first]
    return ThemeLinks(
        s_seq[first],
        s_theme[first],
        np.where(low < 0, -1, high).astype(np.int8),
        best_segment,
        best_confidence,
    )
