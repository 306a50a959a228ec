"""Tenant-scoped reads for the insights: plain columns (numpy arrays), no ORM objects.

The statistics need, per answer, a few scalars (touchpoint, KPI, sentiment, time and what the
filters test) and, per (answer, theme) pair, whether the theme's sentences were negative or
positive. `answers_since` / `links` read them for all of a tenant's answers, or only for
those changed since a data version (store/versions.py), so a reader can keep a copy and apply
just the changes. Filters are applied to the copy by `AnswerColumns.mask`, the in-memory twin of
`entries.apply_filters` for the filters the insights take; hidden answers never count.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any, TypeVarTuple

import numpy as np
from sqlalchemy import BigInteger, ColumnElement, Integer, Select, case, cast, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from nlp_service.store import versions
from nlp_service.store.entries import EntryFilter, apply_filters
from nlp_service.store.models import Entry, Segment, as_utc

KIND = "answer"
Columns = TypeVarTuple("Columns")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US_PER_DAY = 86_400_000_000
IN_CHUNK = 500  # ids per IN (...): under every driver's bind-parameter limit


def _visible(f: EntryFilter) -> EntryFilter:
    # Insights never count hidden answers, whatever the caller's filter says; themes are
    # selected through `theme_ids` here, not through the filter.
    return replace(f, include_hidden=False, theme=None)


def _unindexed(column: InstrumentedAttribute[str]) -> ColumnElement[str]:
    """`column || ''`: the same value, but no index on it is considered. For reads that look rows
    up by primary key or answer, where the tenant is only a check: without table statistics
    SQLite otherwise walks the (tenant, topic) index over all of the tenant's sentences."""
    return column.concat("")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while hundreds of thousands of row tuples (which hold no
    cycles) are made and converted: otherwise it walks every live object several times."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _column(rows: list[tuple[Any, ...]], i: int, dtype: Any) -> np.ndarray:
    return np.fromiter(map(itemgetter(i), rows), dtype=dtype, count=len(rows))


def _sign(label: Any) -> ColumnElement[int]:
    return case((label == "negative", -1), (label == "positive", 1), else_=0)


def _epoch_us(session: Session) -> ColumnElement[int]:
    """`submitted_at` as UTC epoch microseconds (SQLite stores naive UTC text with six
    fractional digits; PostgreSQL's extract is numeric, so both are exact)."""
    if session.get_bind().dialect.name == "sqlite":
        seconds = cast(func.strftime("%s", Entry.submitted_at), BigInteger)
        return seconds * 1_000_000 + cast(func.substr(Entry.submitted_at, 21, 6), Integer)
    return cast(func.extract("epoch", Entry.submitted_at) * 1_000_000, BigInteger)


def to_us(value: datetime) -> int:
    """An aware (or naive UTC) datetime as epoch microseconds, exactly."""
    return (as_utc(value) - EPOCH) // timedelta(microseconds=1)


KPI_CODES = {"nps": 1, "csat": 2, "ces": 3}  # 0: no KPI


ARRAYS = (
    "seq",
    "touchpoint",
    "kpi_code",
    "kpi_score",
    "sentiment",
    "time",
    "hidden",
    "language",
    "survey_id",
    "question_id",
)
TEXTS = ("touchpoint", "language", "survey_id", "question_id")


@dataclass
class AnswerColumns:
    """One row per answer. Text columns are int32 codes into `vocab` (values of all four, None
    included): no Python objects in arrays kept for long (a garbage collection would walk
    every one of them) and filters compare integers."""

    seq: np.ndarray  # int64, ascending
    touchpoint: np.ndarray  # int32 code into vocab
    kpi_code: np.ndarray  # int8, KPI_CODES (0 without a KPI)
    kpi_score: np.ndarray  # float, nan without a KPI
    sentiment: np.ndarray  # int8: -1 negative, 0 neutral, 1 positive
    time: np.ndarray  # int64 UTC epoch microseconds of submitted_at
    hidden: np.ndarray  # bool
    language: np.ndarray  # int32 code into vocab
    survey_id: np.ndarray  # int32 code into vocab
    question_id: np.ndarray  # int32 code into vocab
    vocab: tuple[str | None, ...] = ()

    @property
    def day(self) -> np.ndarray:
        """UTC day (datetime64[D]) of each answer."""
        return (self.time // US_PER_DAY).astype("datetime64[D]")

    def __len__(self) -> int:
        return len(self.seq)

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in ARRAYS)

    def text(self, code: int) -> str | None:
        return self.vocab[code]

    @classmethod
    def of(cls, arrays: dict[str, np.ndarray], vocab: tuple[str | None, ...]) -> AnswerColumns:
        return cls(
            seq=arrays["seq"],
            touchpoint=arrays["touchpoint"],
            kpi_code=arrays["kpi_code"],
            kpi_score=arrays["kpi_score"],
            sentiment=arrays["sentiment"],
            time=arrays["time"],
            hidden=arrays["hidden"],
            language=arrays["language"],
            survey_id=arrays["survey_id"],
            question_id=arrays["question_id"],
            vocab=vocab,
        )

    def take(self, idx: np.ndarray) -> AnswerColumns:
        return AnswerColumns.of({name: getattr(self, name)[idx] for name in ARRAYS}, self.vocab)

    def _codes_of(self, other: AnswerColumns) -> tuple[tuple[str | None, ...], np.ndarray]:
        """A vocabulary holding both, and `other`'s codes -> codes in it."""
        vocab = tuple(dict.fromkeys((*self.vocab, *other.vocab)))
        index = {v: i for i, v in enumerate(vocab)}
        return vocab, np.array([index[v] for v in other.vocab] or [0], dtype=np.int32)

    def replaced(self, rows: np.ndarray, other: AnswerColumns) -> AnswerColumns:
        """A copy with rows `rows` replaced by `other`'s rows (same order)."""
        vocab, remap = self._codes_of(other)
        arrays = {}
        for name in ARRAYS:
            values = getattr(self, name).copy()
            new = getattr(other, name)
            values[rows] = remap[new] if name in TEXTS else new
            arrays[name] = values
        return AnswerColumns.of(arrays, vocab)

    def inserted(self, at: np.ndarray, other: AnswerColumns) -> AnswerColumns:
        """`other`'s rows inserted before positions `at` (np.insert)."""
        vocab, remap = self._codes_of(other)
        arrays = {}
        for name in ARRAYS:
            new = getattr(other, name)
            arrays[name] = np.insert(getattr(self, name), at, remap[new] if name in TEXTS else new)
        return AnswerColumns.of(arrays, vocab)

    @classmethod
    def concat(cls, parts: list[AnswerColumns]) -> AnswerColumns:
        """The parts' rows one after the other, their codes moved to one vocabulary."""
        vocab = tuple(dict.fromkeys(v for p in parts for v in p.vocab))
        index = {v: i for i, v in enumerate(vocab)}
        columns: dict[str, list[np.ndarray]] = {name: [] for name in ARRAYS}
        for p in parts:
            remap = np.array([index[v] for v in p.vocab] or [0], dtype=np.int32)
            for name in ARRAYS:
                values = getattr(p, name)
                columns[name].append(remap[values] if name in TEXTS else values)
        return cls.of({name: np.concatenate(columns[name]) for name in ARRAYS}, vocab)

    def mask(self, f: EntryFilter) -> np.ndarray:
        """The visible answers matching `f`: `entries.apply_filters` on these columns (the
        insights' filters only; `from` inclusive, `to` exclusive, to the microsecond)."""
        if f.theme is not None or f.sentiment is not None or f.kpi_group is not None:
            raise ValueError("the insights filter answers by theme, sentiment or group themselves")
        keep = ~self.hidden
        codes = {v: i for i, v in enumerate(self.vocab)}
        for value, column in (
            (f.touchpoint, self.touchpoint),
            (f.language, self.language),
            (f.survey_id, self.survey_id),
            (f.question_id, self.question_id),
        ):
            if value is not None:
                keep &= column == codes.get(value, -1)
        if f.kpi_type is not None:
            keep &= self.kpi_code == KPI_CODES[f.kpi_type]
        if f.since is not None:
            keep &= self.time >= to_us(f.since)
        if f.until is not None:
            keep &= self.time < to_us(f.until)
        return np.asarray(keep, dtype=bool)


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

    def _entries(self, query: Select[*Columns], f: EntryFilter) -> Select[*Columns]:
        query = query.where(Entry.tenant_id == self.tenant_id, Entry.kind == KIND)
        return apply_filters(query, _visible(f))

    def _raw_rows(self, query: Select[*Columns]) -> list[tuple[Any, ...]]:
        """The DBAPI's own tuples: every selected column is a plain number or string that
        needs no type processing, and skipping SQLAlchemy's row objects saves about half the
        cost on 250,000 rows."""
        result = self.session.connection().execute(query)
        try:
            with _collector_paused():
                return list(result.cursor.fetchall())
        finally:
            result.close()

    def data_version(self) -> int:
        """The tenant's data version: changes whenever answers are stored, moderated, replaced
        or reassigned (store/versions.py). One primary-key lookup."""
        return versions.current(self.session, self.tenant_id)

    def changed_count(self, version: int, at_most: int | None = None) -> int:
        """Entries (answers and posts) stamped after data `version`, counted up to `at_most`
        (more are reported as `at_most`): an index range `(tenant_id, data_version > version)`,
        so a reader can tell a few changes from a refit before reading any of them, without
        counting all of a refit's."""
        query = select(Entry.seq).where(
            Entry.tenant_id == self.tenant_id, Entry.data_version > version
        )
        if at_most is not None:
            query = query.limit(at_most)
        counted = select(func.count()).select_from(query.subquery())
        return int(self.session.scalar(counted) or 0)

    def answer_count(self) -> int:
        """All of the tenant's answers, hidden ones included."""
        return int(
            self.session.scalar(
                select(func.count(Entry.seq)).where(
                    Entry.tenant_id == self.tenant_id, Entry.kind == KIND
                )
            )
            or 0
        )

    def answers_since(self, version: int | None = None) -> AnswerColumns:
        """One row per answer (hidden ones too, marked), ordered by seq: all of them, or those
        changed after data version `version`. Only the columns the statistics and filters use
        (the KPI type as a small code, a missing score as -1) so 100,000 rows convert quickly."""
        kpi_code = case(
            *[(Entry.kpi_type == name, code) for name, code in KPI_CODES.items()], else_=0
        )
        query = select(
            Entry.seq,
            Entry.touchpoint,
            kpi_code,
            func.coalesce(Entry.kpi_score, -1.0),
            _sign(Entry.sentiment_label),
            _epoch_us(self.session),
            case((Entry.is_hidden, 1), else_=0),
            Entry.language,
            Entry.survey_id,
            Entry.question_id,
        ).where(Entry.tenant_id == self.tenant_id, Entry.kind == KIND)
        if version is not None:
            query = query.where(Entry.data_version > version)
        rows = self._raw_rows(query.order_by(Entry.seq))
        index: dict[str | None, int] = {}

        def codes(i: int) -> np.ndarray:
            values = list(map(itemgetter(i), rows))
            for value in dict.fromkeys(values):
                index.setdefault(value, len(index))
            return np.fromiter(map(index.__getitem__, values), dtype=np.int32, count=len(rows))

        with _collector_paused():
            score = _column(rows, 3, float)
            score[score < 0] = np.nan
            return AnswerColumns(
                seq=_column(rows, 0, np.int64),
                touchpoint=codes(1),
                kpi_code=_column(rows, 2, np.int8),
                kpi_score=score,
                sentiment=_column(rows, 4, np.int8),
                time=_column(rows, 5, np.int64),
                hidden=_column(rows, 6, bool),
                language=codes(7),
                survey_id=codes(8),
                question_id=codes(9),
                vocab=tuple(index),
            )

    def links(self, seqs: np.ndarray | None = None) -> ThemeLinks:
        """(answer, theme) pairs with the theme's sentiment in that answer and its most central
        sentence: of every answer (read without a join; pairs of posts are dropped by the
        caller, which matches them to the answers it holds), or of the answers `seqs` (looked
        up by answer, so a few changed answers cost a few index reads)."""
        query = select(
            Segment.entry_seq,
            Segment.topic_id,
            _sign(Segment.sentiment_label),
            Segment.id,
            func.coalesce(Segment.topic_confidence, 0.0),
        ).where(Segment.topic_id >= 0)
        if seqs is None:
            rows = self._raw_rows(query.where(Segment.tenant_id == self.tenant_id))
        else:
            wanted = sorted({int(x) for x in seqs})
            query = query.where(_unindexed(Segment.tenant_id) == self.tenant_id)
            rows = []
            for i in range(0, len(wanted), IN_CHUNK):
                rows += self._raw_rows(query.where(Segment.entry_seq.in_(wanted[i : i + IN_CHUNK])))
        with _collector_paused():
            return collapse(
                _column(rows, 0, np.int64),
                _column(rows, 1, np.int64),
                _column(rows, 2, np.int8),
                _column(rows, 3, np.int64),
                _column(rows, 4, float),
            )

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

    def quotes_by_segment(self, segment_ids: list[int]) -> dict[int, QuoteRow]:
        """The given sentences (this tenant's only) with their answers' context."""
        if not segment_ids:
            return {}
        query = (
            select(
                Segment.id,
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
            .where(
                _unindexed(Segment.tenant_id) == self.tenant_id,
                _unindexed(Entry.tenant_id) == self.tenant_id,
                Entry.is_hidden.is_(False),
                Segment.id.in_(segment_ids),
            )
        )
        return {
            int(sid): QuoteRow(a, t, s, c, lang, tp, as_utc(ts), k)
            for sid, a, t, s, c, lang, tp, ts, k in self.session.execute(query)
        }


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
