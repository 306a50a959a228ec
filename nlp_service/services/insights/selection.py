"""One filter's selection of a tenant's answers, their pairs grouped per theme (`Columns`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from nlp_service.services.insights.caches import CACHE, DATA, TableCache, cached, tables
from nlp_service.services.insights.loading import tenant_data
from nlp_service.services.insights.query import InsightsQuery
from nlp_service.services.insights.tenant_copy import TenantData
from nlp_service.store.insights import AnswerColumns, ThemeLinks


@dataclass
class ThemeRow:
    id: int
    rows: np.ndarray  # indices into the answers
    signs: np.ndarray  # the theme's sentiment in each of those answers
    pairs: np.ndarray | None = None  # the rows' indices in `links` (for their sentences)
    links: ThemeLinks | None = None

    @property
    def segments(self) -> np.ndarray | None:
        """Each answer's sentence closest to the theme centre (read when quotes are picked)."""
        if self.links is None or self.links.segment is None or self.pairs is None:
            return None
        return self.links.segment[self.pairs]

    @property
    def confidence(self) -> np.ndarray | None:
        """And its cosine to the centre."""
        if self.links is None or self.links.confidence is None or self.pairs is None:
            return None
        return self.links.confidence[self.pairs]


@dataclass
class Columns:
    """Everything the views read for one (tenant, filters): the visible answers matching the
    filters, their (answer, theme) pairs, each pair's row in `answers`, and the pairs grouped
    per theme."""

    answers: AnswerColumns
    links: ThemeLinks
    pos: np.ndarray
    rows: dict[int, ThemeRow]


def _group(links: ThemeLinks, pos: np.ndarray) -> dict[int, ThemeRow]:
    """Pairs per theme (slices of one stable sort by theme, so answers stay in seq order); only
    the answers' rows and signs are gathered, sentences when a view asks for them."""
    if len(links) == 0:
        return {}
    if links.theme.min() >= 0 and links.theme.max() < 2**15:
        # A 16-bit key takes numpy's radix sort, and counting gives the bounds: linear.
        key = links.theme.astype(np.int16)
        order = np.argsort(key, kind="stable")
        counts = np.bincount(key)
        ids = np.flatnonzero(counts)
        ends = np.cumsum(counts[ids])
    else:
        order = np.argsort(links.theme, kind="stable")
        theme = links.theme[order]
        cut = np.flatnonzero(np.diff(theme)) + 1
        ids, ends = theme[np.r_[0, cut]], np.r_[cut, len(theme)]
    sign, at = links.sign[order], pos[order]
    out: dict[int, ThemeRow] = {}
    start = 0
    for theme_id, end in zip(ids.tolist(), ends.tolist(), strict=True):
        out[theme_id] = ThemeRow(theme_id, at[start:end], sign[start:end], order[start:end], links)
        start = end
    return out


def select_columns(data: TenantData, query: InsightsQuery) -> Columns:
    keep = data.answers.mask(query.entry_filter())
    answers = data.answers.take(keep)
    linked = keep[data.pos]
    new_row = np.cumsum(keep) - 1  # old row -> row in the selection
    links, pos = data.links.take(linked), new_row[data.pos[linked]]
    return Columns(answers, links, pos, _group(links, pos))


def load_columns(
    session: Session, tenant_id: str, query: InsightsQuery, cache: TableCache | None = CACHE
) -> Columns:
    data = tenant_data(session, tenant_id, DATA if cache is not None else None)
    return cached_columns(tenant_id, data, query, cache)


def cached_columns(
    tenant_id: str, data: TenantData, query: InsightsQuery, cache: TableCache | None
) -> Columns:
    key = ("columns", tenant_id, data.version, query)
    return cached(tables(cache), key, lambda: select_columns(data, query))


def union_row(rows: dict[int, ThemeRow], ids: list[int]) -> ThemeRow | None:
    """The answers carrying any of `ids` (one theme, or a parent theme's children): an answer
    is negative if any is negative."""
    parts = [rows[i] for i in ids if i in rows]
    if len(parts) <= 1:
        return parts[0] if parts else None
    at = np.concatenate([p.rows for p in parts])
    signs = np.concatenate([p.signs for p in parts]).astype(np.int16)
    order = np.lexsort((signs, at))  # per answer its lowest sign first
    at, signs = at[order], signs[order]
    first = np.ones(len(at), dtype=bool)
    first[1:] = at[1:] != at[:-1]
    starts = np.flatnonzero(first)
    low, high = signs[first], np.maximum.reduceat(signs, starts)
    return ThemeRow(-1, at[first], np.where(low < 0, -1, high).astype(np.int8))
