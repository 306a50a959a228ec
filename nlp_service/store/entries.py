"""Answers and posts: idempotent inserts with their analysis, reads, filtered cursor pages.

Every query goes through `EntryRepository(session, tenant_id)`, which adds the tenant filter:
another tenant's id is simply not found.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVarTuple

import numpy as np
from sqlalchemy import Select, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nlp_service.analysis.results import Analysis
from nlp_service.errors import InvalidInput, NotFound
from nlp_service.store.models import Entry, Segment, as_utc, utcnow
from nlp_service.validation import MAX_INT32

KINDS = ("answer", "post")
ID_PREFIX = {"answer": "ans_", "post": "pst_"}


class DuplicateExternalId(Exception):
    """Another request stored the same (tenant, kind, external_id) first."""


def content_hash(payload: Mapping[str, Any]) -> str:
    """Stable hash of everything the caller sent except the idempotency key."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewEntry:
    kind: str
    text: str  # as received; only stored when the tenant keeps raw text
    content_hash: str
    external_id: str | None = None
    survey_id: str | None = None
    question_id: str | None = None
    touchpoint: str | None = None
    respondent_id: str | None = None
    author: str | None = None
    submitted_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    thread_seq: int | None = None


@dataclass(frozen=True)
class EntryFilter:
    touchpoint: str | None = None
    theme: str | None = None  # a theme id ("12") or its label
    sentiment: str | None = None
    kpi_group: str | None = None
    language: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    include_hidden: bool = False
    survey_id: str | None = None
    question_id: str | None = None
    kpi_type: str | None = None  # nps | csat | ces: only answers scored on that KPI


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"s": seq}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        seq = json.loads(base64.urlsafe_b64decode(padded.encode()))["s"]
        # Sequence numbers are positive 32-bit integers; anything else was not issued here.
        if not isinstance(seq, int) or isinstance(seq, bool) or not 0 < seq <= MAX_INT32:
            raise ValueError
        return seq
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor is not one this API returned", field="cursor") from None


def vector_bytes(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype=np.float32).tobytes()


def _raw_offsets(analysis: Analysis, keep_raw: bool) -> Callable[[int | None, bool], int | None]:
    """Offsets are computed on the redacted text; a tenant that keeps raw text is shown the raw
    text, so its offsets are mapped back through the redaction."""
    redaction = analysis.redaction
    if not keep_raw or redaction is None or not redaction.spans:
        return lambda offset, end: offset
    return lambda offset, end: None if offset is None else redaction.to_original(offset, end=end)


def build_entry(tenant_id: str, new: NewEntry, analysis: Analysis, keep_raw: bool) -> Entry:
    shown = _raw_offsets(analysis, keep_raw)
    flags = [
        {**f.to_dict(), "start": shown(f.start, False), "end": shown(f.end, True)}
        for f in analysis.flags
    ]
    kpi = analysis.kpi
    entry = Entry(
        id=ID_PREFIX[new.kind] + uuid.uuid4().hex[:20],
        tenant_id=tenant_id,
        kind=new.kind,
        external_id=new.external_id,
        content_hash=new.content_hash,
        thread_seq=new.thread_seq,
        survey_id=new.survey_id,
        question_id=new.question_id,
        touchpoint=new.touchpoint,
        respondent_id=new.respondent_id,
        author=new.author,
        submitted_at=as_utc(new.submitted_at) if new.submitted_at else utcnow(),
        created_at=utcnow(),
        meta=dict(new.metadata),
        text=new.text if keep_raw else analysis.redacted_text,
        text_is_raw=keep_raw,
        pii_types=list(analysis.pii_types),
        kpi_type=kpi.type.value if kpi else None,
        kpi_score=kpi.score if kpi else None,
        kpi_group=kpi.group if kpi else None,
        kpi_normalized=kpi.normalized if kpi else None,
        language=analysis.language,
        language_confidence=float(analysis.language_confidence),
        language_source=analysis.language_source,
        sentiment_label=analysis.sentiment.label,
        sentiment_score=float(analysis.sentiment.score),
        themes=[t.to_dict() for t in analysis.themes],
        flags=flags,
        max_severity=max((f.severity for f in analysis.flags), default=0),
        moderation_status="pending" if flags else "none",
        is_hidden=False,
        embedding=vector_bytes(analysis.embedding),
        embedder_id=analysis.embedder_id,
        sentiment_model_id=analysis.sentiment_model_id,
        topic_model_version=analysis.topic_model_version,
    )
    entry.segments = [
        Segment(
            tenant_id=tenant_id,
            idx=i,
            start=shown(seg.start, False) or 0,
            end=shown(seg.end, True) or 0,
            text=seg.text,
            sentiment_label=seg.sentiment.label,
            sentiment_score=float(seg.sentiment.score),
            topic_id=seg.topic.id if seg.topic else None,
            topic_label=seg.topic.label if seg.topic else None,
            topic_confidence=float(seg.topic.confidence) if seg.topic else None,
            embedding=vector_bytes(vec),
        )
        for i, (seg, vec) in enumerate(
            zip(analysis.segments, analysis.segment_embeddings, strict=True)
        )
    ]
    return entry


class EntryRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def _scoped(self) -> Select[Entry]:
        return select(Entry).where(Entry.tenant_id == self.tenant_id)

    def get(self, entry_id: str, kind: str | None = None) -> Entry:
        query = self._scoped().where(Entry.id == entry_id)
        if kind is not None:
            query = query.where(Entry.kind == kind)
        entry = self.session.scalars(query).first()
        if entry is None:
            raise NotFound(f"{kind or 'item'} {entry_id!r} not found", field="id")
        return entry

    def by_external_ids(self, kind: str, external_ids: Iterable[str]) -> dict[str, Entry]:
        ids = sorted({e for e in external_ids if e})
        found: dict[str, Entry] = {}
        for i in range(0, len(ids), 500):  # stay under bind-parameter limits
            query = self._scoped().where(
                Entry.kind == kind, Entry.external_id.in_(ids[i : i + 500])
            )
            found.update({e.external_id: e for e in self.session.scalars(query) if e.external_id})
        return found

    def add(self, new: NewEntry, analysis: Analysis, *, keep_raw: bool) -> Entry:
        """Insert in a savepoint; raises DuplicateExternalId when the idempotency key is taken."""
        entry = build_entry(self.tenant_id, new, analysis, keep_raw)
        try:
            with self.session.begin_nested():
                self.session.add(entry)
        except IntegrityError:
            raise DuplicateExternalId(new.external_id) from None
        return entry

    def add_many(self, rows: list[tuple[NewEntry, Analysis]], *, keep_raw: bool) -> list[Entry]:
        """Insert all rows in one savepoint and one flush (batched INSERTs); raises
        DuplicateExternalId if any key is taken, leaving nothing inserted."""
        entries = [build_entry(self.tenant_id, new, a, keep_raw) for new, a in rows]
        try:
            with self.session.begin_nested():
                self.session.add_all(entries)
        except IntegrityError:
            raise DuplicateExternalId() from None
        return entries

    def page(
        self, kind: str, filters: EntryFilter, cursor: str | None, limit: int
    ) -> tuple[list[Entry], str | None]:
        """Newest first; the cursor is the last row's sequence number."""
        query = self._scoped().where(Entry.kind == kind)
        query = apply_filters(query, filters)
        if cursor:
            query = query.where(Entry.seq < decode_cursor(cursor))
        rows = list(self.session.scalars(query.order_by(Entry.seq.desc()).limit(limit + 1)))
        next_cursor = encode_cursor(rows[limit - 1].seq) if len(rows) > limit else None
        return rows[:limit], next_cursor

    def count(self, kind: str, filters: EntryFilter | None = None) -> int:
        query = (
            select(func.count())
            .select_from(Entry)
            .where(Entry.tenant_id == self.tenant_id, Entry.kind == kind)
        )
        return self.session.scalar(apply_filters(query, filters or EntryFilter())) or 0


# A Select is generic over its columns' types; the filters add WHERE clauses only.
Columns = TypeVarTuple("Columns")


def apply_filters(query: Select[*Columns], f: EntryFilter) -> Select[*Columns]:
    if not f.include_hidden:
        query = query.where(Entry.is_hidden.is_(False))
    if f.touchpoint is not None:
        query = query.where(Entry.touchpoint == f.touchpoint)
    if f.sentiment is not None:
        query = query.where(Entry.sentiment_label == f.sentiment)
    if f.kpi_group is not None:
        query = query.where(Entry.kpi_group == f.kpi_group)
    if f.language is not None:
        query = query.where(Entry.language == f.language)
    if f.survey_id is not None:
        query = query.where(Entry.survey_id == f.survey_id)
    if f.question_id is not None:
        query = query.where(Entry.question_id == f.question_id)
    if f.kpi_type is not None:
        query = query.where(Entry.kpi_type == f.kpi_type)
    if f.since is not None:
        query = query.where(Entry.submitted_at >= as_utc(f.since))
    if f.until is not None:
        query = query.where(Entry.submitted_at < as_utc(f.until))
    if f.theme is not None:
        theme = f.theme.strip()
        if theme.lstrip("-").isdigit():
            theme_id = int(theme)
            if abs(theme_id) > MAX_INT32:
                raise InvalidInput(f"theme id {theme} is out of range", field="theme")
            match = Segment.topic_id == theme_id
        else:
            match = func.lower(Segment.topic_label) == theme.lower()
        query = query.where(exists().where(Segment.entry_seq == Entry.seq, match))
    return query
