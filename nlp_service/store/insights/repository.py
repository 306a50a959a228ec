"""Tenant-scoped reads for the insights: plain columns (numpy arrays), no ORM objects.

`answers_since` / `links` read, per answer, the few scalars the statistics and filters use and,
per (answer, theme) pair, whether the theme's sentences were negative or positive: for all of a
tenant's answers, or only for those changed since a data version (store/versions.py), so a
reader can keep a copy and apply just the changes. Hidden answers never count.
"""

from __future__ import annotations

from dataclasses import replace
from operator import itemgetter
from typing import Any, TypeVarTuple

import numpy as np
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from nlp_service.store import versions
from nlp_service.store.entries import EntryFilter, apply_filters
from nlp_service.store.insights import quotes as quote_reads
from nlp_service.store.insights.answer_columns import KPI_CODES, AnswerColumns
from nlp_service.store.insights.quotes import QuoteRow
from nlp_service.store.insights.sql_reads import (
    collector_paused,
    column,
    epoch_us,
    sign,
    unindexed,
)
from nlp_service.store.insights.theme_links import ThemeLinks, collapse
from nlp_service.store.models import Entry, Segment

KIND = "answer"
Columns = TypeVarTuple("Columns")
IN_CHUNK = 500  # ids per IN (...): under every driver's bind-parameter limit


def _visible(f: EntryFilter) -> EntryFilter:
    # Insights never count hidden answers, whatever the caller's filter says; themes are
    # selected through `theme_ids` here, not through the filter.
    return replace(f, include_hidden=False, theme=None)


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
            with collector_paused():
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
            sign(Entry.sentiment_label),
            epoch_us(self.session),
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

        with collector_paused():
            score = column(rows, 3, float)
            score[score < 0] = np.nan
            return AnswerColumns(
                seq=column(rows, 0, np.int64),
                touchpoint=codes(1),
                kpi_code=column(rows, 2, np.int8),
                kpi_score=score,
                sentiment=column(rows, 4, np.int8),
                time=column(rows, 5, np.int64),
                hidden=column(rows, 6, bool),
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
            sign(Segment.sentiment_label),
            Segment.id,
            func.coalesce(Segment.topic_confidence, 0.0),
        ).where(Segment.topic_id >= 0)
        if seqs is None:
            rows = self._raw_rows(query.where(Segment.tenant_id == self.tenant_id))
        else:
            wanted = sorted({int(x) for x in seqs})
            query = query.where(unindexed(Segment.tenant_id) == self.tenant_id)
            rows = []
            for i in range(0, len(wanted), IN_CHUNK):
                rows += self._raw_rows(query.where(Segment.entry_seq.in_(wanted[i : i + IN_CHUNK])))
        with collector_paused():
            return collapse(
                column(rows, 0, np.int64),
                column(rows, 1, np.int64),
                column(rows, 2, np.int8),
                column(rows, 3, np.int64),
                column(rows, 4, float),
            )

    def quotes(
        self, f: EntryFilter, theme_ids: list[int], limit: int, offset: int = 0
    ) -> list[QuoteRow]:
        """Sentences carrying the themes, closest to the theme centre first (segment text is
        always the redacted text); hidden answers never appear."""
        query = quote_reads.of_themes(self.tenant_id, theme_ids, limit, offset)
        return [quote_reads.quote(row) for row in self.session.execute(self._entries(query, f))]

    def quotes_by_segment(self, segment_ids: list[int]) -> dict[int, QuoteRow]:
        """The given sentences (this tenant's only) with their answers' context."""
        return quote_reads.by_segment(self.session, self.tenant_id, segment_ids)
