"""A tenant's answers and (answer, theme) pairs held in memory at one data version, and the
merge that brings changed answers into it without a full sort (`TenantData`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nlp_service.store.insights import AnswerColumns, ThemeLinks


def _positions(seq: np.ndarray, links_seq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row index in the ascending `seq` of every link (and a mask of links whose answer is
    there)."""
    if len(seq) == 0:
        return np.zeros(len(links_seq), dtype=np.int64), np.zeros(len(links_seq), dtype=bool)
    pos = np.minimum(np.searchsorted(seq, links_seq), len(seq) - 1)
    return pos, seq[pos] == links_seq


@dataclass
class TenantData:
    """All of a tenant's answers (hidden ones marked) ordered by seq, their (answer, theme)
    pairs and each pair's row in `answers`, as of data version `version`."""

    version: int
    answers: AnswerColumns
    links: ThemeLinks
    pos: np.ndarray

    @classmethod
    def of(cls, version: int, answers: AnswerColumns, links: ThemeLinks) -> TenantData:
        pos, ok = _positions(answers.seq, links.seq)
        if not ok.all():  # pairs of posts (the full read takes every sentence of the tenant)
            links, pos = links.take(ok), pos[ok]
        return cls(version, answers, links, pos)

    def merge(self, version: int, answers: AnswerColumns, links: ThemeLinks) -> TenantData:
        """These data with the changed `answers` (and all their pairs) replacing their rows;
        `answers` and `links` ordered by seq. New answers (usually at the end) are inserted in
        seq order, known ones overwritten in place; no full sort. Nothing changed (a version
        bumped by a change that touched no answer): the same arrays, relabelled."""
        if len(answers) == 0 and len(links) == 0:
            return TenantData(version, self.answers, self.links, self.pos)
        held = self.answers
        at = np.searchsorted(held.seq, answers.seq)
        known = at < len(held)
        known[known] = held.seq[at[known]] == answers.seq[known]
        merged = held.replaced(at[known], answers.take(np.flatnonzero(known)))
        fresh = answers.take(np.flatnonzero(~known))
        if len(fresh):
            merged = merged.inserted(np.searchsorted(merged.seq, fresh.seq), fresh)
        # Pairs: drop every pair of the changed answers, insert their current ones in place.
        lo = np.searchsorted(self.links.seq, answers.seq, side="left")
        hi = np.searchsorted(self.links.seq, answers.seq, side="right")
        keep = np.ones(len(self.links), dtype=bool)
        for start, end in zip(lo[hi > lo].tolist(), hi[hi > lo].tolist(), strict=True):
            keep[start:end] = False
        kept = self.links.take(keep) if not keep.all() else self.links
        pairs = kept.inserted(np.searchsorted(kept.seq, links.seq, side="right"), links)
        return TenantData.of(version, merged, pairs)
