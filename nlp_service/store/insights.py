"""Tenant-scoped reads for the insights: plain columns (numpy arrays), no ORM objects.

The statistics need, per answer, a few scalars (touchpoint, KPI, sentiment, day) and, per
(answer, theme) pair, whether the theme's sentences were negative or positive. Both come out of
one query each with only those columns; pairs are grouped in SQL so an answer counts once per
theme however many of its sentences carry it. Filters are `EntryFilter` (the same rule as
`GET /v1/answers`), hidden answers never included.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from nlp_service.store.entries import EntryFilter, apply_filters
from nlp_service.store.models import AuditLog, Entry, Segment, as_utc

KIND = "answer"


def _visible(f: EntryFilter) -> EntryFilter:
    # Insights never count hidden answers, whatever the caller's filter says; themes are
    # selected through `theme_ids` here, not through the filter.
    return replace(f, include_hidden=False, theme=None)


def _sign(label: Any) -> ColumnElement[int]:
    return case((label == "negative", -1), (label == "positive", 1), else_=0)


def _day(session: Session) -> ColumnElement[str]:
    """UTC day of `submitted_at` as 'YYYY-MM-DD' (SQLite stores naive UTC text)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(Entry.submitted_at, 1, 10)
    return func.to_char(func.timezone("UTC", Entry.submitted_at), "YYYY-MM-DD")


KPI_CODES = {"nps": 1, "csat": 2, "ces": 3}  # 0: no KPI


@dataclass
class AnswerColumns:
    seq: np.ndarray  # int64
    touchpoint: np.ndarray  # object: str or None
    kpi_code: np.ndarray  # int8, KPI_CODES (0 without a KPI)
    kpi_score: np.ndarray  # float, nan without a KPI
    sentiment: np.ndarray  # int8: -1 negative, 0 neutral, 1 positive
    day: np.ndarray | None  # datetime64[D] when asked for

    def __len__(self) -> int:
        return len(self.seq)

    def take(self, idx: np.ndarray) -> AnswerColumns:
        return AnswerColumns(
            self.seq[idx],
            self.touchpoint[idx],
            self.kpi_code[idx],
            self.kpi_score[idx],
            self.sentiment[idx],
            None if self.day is None else self.day[idx],
        )


@dataclass
class ThemeLinks:
    """One row per (answer, theme): the theme's sentiment in that answer."""

    seq: np.ndarray  # int64 entry seq
    theme: np.ndarray  # int64 theme id
    sign: np.ndarray  # int8: -1 any sentence negative, else 1 any positive, else 0


@dataclass(frozen=True)
class QuoteRow:
    answer_id: str
    text: str
    sentiment: str
    confidence: float | None
    language: str | None
    touchpoint: str | None
    submitted_at: datetime
    kpi_score: float | None


class InsightsRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def _entries(self, query: Select[Any], f: EntryFilter) -> Select[Any]:
        query = query.where(Entry.tenant_id == self.tenant_id, Entry.kind == KIND)
        return apply_filters(query, _visible(f))

    def answers(self, f: EntryFilter, *, with_day: bool = False) -> AnswerColumns:
        """One row per visible answer, only the columns the statistics use (the KPI type as a
        small code, a missing score as -1) so 100,000 rows convert quickly."""
        kpi_code = case(
            *[(Entry.kpi_type == name, code) for name, code in KPI_CODES.items()], else_=0
        )
        cols: list[Any] = [
            Entry.seq,
            Entry.touchpoint,
            kpi_code,
            func.coalesce(Entry.kpi_score, -1.0),
            _sign(Entry.sentiment_label),
        ]
        if with_day:
            cols.append(_day(self.session))
        rows = self.session.execute(self._entries(select(*cols), f)).all()
        n = len(rows)
        score = np.fromiter((r[3] for r in rows), dtype=float, count=n)
        score[score < 0] = np.nan
        touchpoint = np.empty(n, dtype=object)
        touchpoint[:] = [r[1] for r in rows]
        return AnswerColumns(
            seq=np.fromiter((r[0] for r in rows), dtype=np.int64, count=n),
            touchpoint=touchpoint,
            kpi_code=np.fromiter((r[2] for r in rows), dtype=np.int8, count=n),
            kpi_score=score,
            sentiment=np.fromiter((r[4] for r in rows), dtype=np.int8, count=n),
            day=np.array([r[5] for r in rows], dtype="datetime64[D]") if with_day else None,
        )

    def theme_links(self, f: EntryFilter, theme_ids: list[int] | None = None) -> ThemeLinks:
        sign = _sign(Segment.sentiment_label)
        query = (
            select(Segment.entry_seq, Segment.topic_id, func.min(sign), func.max(sign))
            .join(Entry, Entry.seq == Segment.entry_seq)
            .where(Segment.tenant_id == self.tenant_id, Segment.topic_id >= 0)
            .group_by(Segment.entry_seq, Segment.topic_id)
        )
        if theme_ids is not None:
            query = query.where(Segment.topic_id.in_(theme_ids))
        rows = self.session.execute(self._entries(query, f)).all()
        if not rows:
            z = np.zeros(0, dtype=np.int64)
            return ThemeLinks(z, z.copy(), z.astype(np.int8))
        seq, theme, low, high = (np.array(c, dtype=np.int64) for c in zip(*rows, strict=True))
        return ThemeLinks(seq, theme, np.where(low < 0, -1, high).astype(np.int8))

    def theme_answer_counts(self, f: EntryFilter) -> tuple[int, dict[int, int]]:
        """(answers, {theme id: answers carrying it}) for one selection, aggregated in SQL."""
        total = self.session.scalar(self._entries(select(func.count(Entry.seq)), f)) or 0
        query = (
            select(Segment.topic_id, func.count(func.distinct(Segment.entry_seq)))
            .join(Entry, Entry.seq == Segment.entry_seq)
            .where(Segment.tenant_id == self.tenant_id, Segment.topic_id >= 0)
            .group_by(Segment.topic_id)
        )
        rows = self.session.execute(self._entries(query, f)).all()
        return int(total), {int(t): int(c) for t, c in rows}

    def quotes(
        self, f: EntryFilter, theme_ids: list[int], limit: int, offset: int = 0
    ) -> list[QuoteRow]:
        """Sentences carrying the themes, closest to the theme centre first (segment text is
        always the redacted text); hidden answers never appear."""
        query = (
            select(
                Entry.id,
                Segment.text,
                Segment.sentiment_label,
                Segment.topic_confidence,
                Entry.language,
                Entry.touchpoint,
                Entry.submitted_at,
                Entry.kpi_score,
            )
            .join(Entry, Entry.seq == Segment.entry_seq)
            .where(Segment.tenant_id == self.tenant_id, Segment.topic_id.in_(theme_ids))
            .order_by(Segment.topic_confidence.desc().nulls_last(), Segment.id)
            .limit(limit)
            .offset(offset)
        )
        return [
            QuoteRow(a, t, s, c, lang, tp, as_utc(ts), k)
            for a, t, s, c, lang, tp, ts, k in self.session.execute(self._entries(query, f))
        ]

    def top_quotes(
        self, f: EntryFilter, theme_ids: list[int], per_theme: int
    ) -> dict[int, list[QuoteRow]]:
        """The `per_theme` sentences closest to each theme's centre, in one query (a window
        function ranks each theme's sentences by confidence)."""
        rank = (
            func.row_number()
            .over(
                partition_by=Segment.topic_id,
                order_by=(Segment.topic_confidence.desc().nulls_last(), Segment.id),
            )
            .label("rank")
        )
        inner = (
            select(
                Segment.topic_id.label("theme"),
                Entry.id.label("answer_id"),
                Segment.text,
                Segment.sentiment_label,
                Segment.topic_confidence,
                Entry.language,
                Entry.touchpoint,
                Entry.submitted_at,
                Entry.kpi_score,
                rank,
            )
            .join(Entry, Entry.seq == Segment.entry_seq)
            .where(Segment.tenant_id == self.tenant_id, Segment.topic_id.in_(theme_ids))
        )
        ranked = self._entries(inner, f).subquery()
        query = (
            select(*[c for c in ranked.c if c.name != "rank"])
            .where(ranked.c.rank <= per_theme)
            .order_by(ranked.c.theme, ranked.c.rank)
        )
        out: dict[int, list[QuoteRow]] = {}
        for theme, a, t, s, c, lang, tp, ts, k in self.session.execute(query):
            out.setdefault(int(theme), []).append(QuoteRow(a, t, s, c, lang, tp, as_utc(ts), k))
        return out

    def fingerprint(self) -> tuple[int, int, int]:
        """(answers, highest seq, last moderation decision): changes when answers arrive or are
        moderated (every decision appends to the audit log), so cached statistics stay valid
        until then. Index-only lookups: cheap on 100,000 answers."""
        count, top = self.session.execute(
            select(func.count(Entry.seq), func.max(Entry.seq)).where(
                Entry.tenant_id == self.tenant_id, Entry.kind == KIND
            )
        ).one()
        decision = self.session.scalar(
            select(func.max(AuditLog.id)).where(AuditLog.tenant_id == self.tenant_id)
        )
        return int(count or 0), int(top or 0), int(decision or 0)


def window(f: EntryFilter, since: datetime, until: datetime) -> EntryFilter:
    return replace(f, since=as_utc(since), until=as_utc(until))
