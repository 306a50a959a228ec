"""Ingestion of answers and posts, shared by the API, the batch endpoint and imports.

    request side: validate -> idempotency lookup (tenant + kind + external id)
    model thread: Pipeline.analyze_batch only (micro-batched with concurrent requests)
    request side: store entry + analysis + segment vectors in one transaction

Database work never runs on the model thread, so a slow or failing insert cannot stall other
tenants' analysis, and an item that fails (to validate, analyse or store) fails alone.

Group commit (once `start()` ran, as in the API): concurrent single requests do not each open a
session and a transaction. Their lookups queue for one lookup thread and their rows for one
write thread, each a `MicroBatcher` (continuous: a group goes as soon as the thread is free and
holds whatever queued meanwhile, so a lone request waits for nobody). A group of rows is one
`IngestStore.store` call: one transaction, a savepoint per item only when one is refused, so a
bad item still fails alone; if the group's call fails as a whole, each row is retried alone. A
request is answered only after its group committed. Under 32 clients on SQLite this replaces
~32 writer threads queueing on the database lock (and opening overflow connections) with one.

Same external_id + same content -> the stored entry (created=False); same external_id + other
content -> 409. Two requests racing with one key: one insert wins, the other re-reads and
compares.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from anyio import to_thread
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from nlp_service.analysis.answer_input import AnswerInput
from nlp_service.analysis.pipeline import Pipeline
from nlp_service.analysis.results import Analysis, TopicAssigner
from nlp_service.errors import Conflict, InvalidInput, ServiceError
from nlp_service.services.batching import MicroBatcher
from nlp_service.store import EntryRepository, NewEntry, Principal, transaction
from nlp_service.store.entries import DuplicateExternalId, content_hash
from nlp_service.store.models import Entry

Outcome = tuple[Entry, bool] | ServiceError
Analyzed = Analysis | ServiceError


@dataclass(frozen=True)
class IngestItem:
    principal: Principal
    new: NewEntry
    analysis_input: AnswerInput


class Analyzer(Protocol):
    """The model side as ingestion sees it (the micro-batcher in the API)."""

    async def submit(self, item: AnswerInput) -> Analyzed: ...

    async def run_many(self, items: list[AnswerInput]) -> Sequence[Analyzed]: ...


def build_item(
    principal: Principal,
    kind: str,
    payload: BaseModel,
    topics: TopicAssigner | None,
    max_chars: int,
    thread_seq: int | None = None,
) -> IngestItem:
    """Validate one payload (AnswerIn or PostIn); raises InvalidInput / TooLarge."""
    data = payload.model_dump(mode="json")
    text: str = data["text"]
    item = AnswerInput.create(
        text, data.get("language"), data.get("kpi"), max_chars=max_chars, topics=topics
    )
    fields = {k: v for k, v in data.items() if k != "external_id"}
    if thread_seq is not None:
        fields["thread_seq"] = thread_seq
    new = NewEntry(
        kind=kind,
        text=text,
        content_hash=content_hash(fields),
        external_id=data.get("external_id"),
        survey_id=data.get("survey_id"),
        question_id=data.get("question_id"),
        touchpoint=data.get("touchpoint"),
        respondent_id=data.get("respondent_id"),
        author=data.get("author"),
        submitted_at=getattr(payload, "submitted_at", None),
        metadata=data.get("metadata") or {},
        thread_seq=thread_seq,
    )
    return IngestItem(principal, new, item)


def analyze_each(pipeline: Pipeline, items: list[AnswerInput]) -> list[Analyzed]:
    """The batcher's function: one model call for the batch; if the batch fails, each item is
    analysed alone so one bad item gets its own error and its neighbours their results."""
    try:
        return list(pipeline.analyze_batch(items))
    except ServiceError:
        if len(items) == 1:
            raise
    out: list[Analyzed] = []
    for item in items:
        try:
            out.append(pipeline.analyze_batch([item])[0])
        except ServiceError as exc:
            out.append(exc)
    return out


def check_same(existing: Entry, new: NewEntry) -> Entry:
    if existing.content_hash != new.content_hash:
        raise Conflict(
            f"external_id {new.external_id!r} was already used for different content "
            f"({existing.id})",
            field="external_id",
        )
    return existing


class IngestStore:
    """The blocking, database half of ingestion (runs on the request's worker thread)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def known(self, items: Sequence[IngestItem]) -> list[Outcome | None]:
        """Per item: the stored outcome when its key is taken already, else None."""
        keys: dict[tuple[str, str], list[str]] = defaultdict(list)
        for item in items:
            if item.new.external_id:
                keys[(item.principal.tenant_id, item.new.kind)].append(item.new.external_id)
        if not keys:
            return [None] * len(items)
        found: dict[tuple[str, str], dict[str, Entry]] = {}
        with self.sessions() as session:
            for (tenant_id, kind), ids in keys.items():
                found[(tenant_id, kind)] = EntryRepository(session, tenant_id).by_external_ids(
                    kind, ids
                )
        out: list[Outcome | None] = []
        for item in items:
            stored = found.get((item.principal.tenant_id, item.new.kind), {}).get(
                item.new.external_id or ""
            )
            if stored is None:
                out.append(None)
                continue
            try:
                out.append((check_same(stored, item.new), False))
            except ServiceError as exc:
                out.append(exc)
        return out

    def store(self, rows: Sequence[tuple[IngestItem, Analysis]]) -> list[Outcome]:
        """One transaction: one multi-row insert per tenant; item by item (a savepoint each)
        only when a key turns out taken or a row is refused, so a bad row fails alone."""
        results: list[Outcome | None] = [None] * len(rows)
        groups: dict[tuple[str, bool], list[int]] = defaultdict(list)
        for i, (item, _) in enumerate(rows):
            groups[(item.principal.tenant_id, item.principal.keep_raw)].append(i)
        with transaction(self.sessions) as session:
            # Tenants in a fixed order: each insert takes its tenant's data-version row lock
            # (store/versions.py), and concurrent batches must take them in the same order.
            for (tenant_id, keep_raw), indexes in sorted(groups.items()):
                repo = EntryRepository(session, tenant_id)
                try:
                    entries = repo.add_many(
                        [(rows[i][0].new, rows[i][1]) for i in indexes], keep_raw=keep_raw
                    )
                    for i, entry in zip(indexes, entries, strict=True):
                        results[i] = (entry, True)
                except (DuplicateExternalId, DBAPIError):
                    for i in indexes:
                        results[i] = self._store_one(repo, *rows[i])
        return [r for r in results if r is not None]

    @staticmethod
    def _store_one(repo: EntryRepository, item: IngestItem, analysis: Analysis) -> Outcome:
        try:
            return repo.add(item.new, analysis, keep_raw=item.principal.keep_raw), True
        except DuplicateExternalId:
            # Stored meanwhile, or earlier in this very batch: compare with that row.
            ext = item.new.external_id or ""
            try:
                stored = repo.by_external_ids(item.new.kind, [ext])[ext]
                return check_same(stored, item.new), False
            except ServiceError as exc:
                return exc
        except DBAPIError as exc:
            return InvalidInput(
                f"the database refused this item ({type(exc.orig).__name__})", field="text"
            )


Row = tuple[IngestItem, Analysis]


class IngestService:
    """Async orchestration: lookups and storage on worker threads, models through the analyzer."""

    CHUNK = 128  # items per model call for batch requests, so queued single requests interleave
    GROUP_MAX = 256  # single requests' rows per group commit (and lookups per query round)

    def __init__(self, store: IngestStore, analyzer: Analyzer) -> None:
        self.store = store
        self.analyzer = analyzer
        self._lookups: MicroBatcher[IngestItem, Outcome | None] | None = None
        self._writes: MicroBatcher[Row, Outcome] | None = None
        self._active = 0  # ingest_one calls under way (close() lets them store first)
        self._idle = asyncio.Event()
        self._idle.set()

    def start(self, max_queue: int, on_group: Callable[[int, float], None] | None = None) -> None:
        """Group commit for `ingest_one` (needs a running event loop; without it, each single
        request uses its own session and transaction on a worker thread). `on_group` gets
        (rows, seconds) of every group commit, for metrics."""
        self._lookups = MicroBatcher(
            self.store.known,
            max_size=self.GROUP_MAX,
            max_wait_ms=0,
            max_queue=max_queue,
            thread_name="db-lookup",
        )
        self._writes = MicroBatcher(
            self.store.store,
            max_size=self.GROUP_MAX,
            max_wait_ms=0,
            max_queue=max_queue,
            on_batch=on_group,
            thread_name="db-write",
        )
        self._lookups.start()
        self._writes.start()

    async def close(self, timeout: float = 30.0) -> None:
        """After the analyzer stopped intake: let the single requests under way store their
        rows (their analyses are finishing), then drain and stop the database threads."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)
        for batcher in (self._lookups, self._writes):
            if batcher is not None:
                await batcher.close(timeout)
        self._lookups = self._writes = None

    async def _known(self, item: IngestItem) -> Outcome | None:
        if self._lookups is not None:
            return await self._lookups.submit(item)
        (known,) = await to_thread.run_sync(self.store.known, [item])
        return known

    async def _store(self, item: IngestItem, analysis: Analysis) -> Outcome:
        if self._writes is not None:
            return await self._writes.submit((item, analysis))
        (stored,) = await to_thread.run_sync(self.store.store, [(item, analysis)])
        return stored

    async def ingest_one(self, item: IngestItem) -> tuple[Entry, bool]:
        """(entry, created); raises the item's ServiceError."""
        self._active += 1
        self._idle.clear()
        try:
            known: Outcome | None = None
            if item.new.external_id:  # without a key there is nothing to look up
                known = await self._known(item)
            if known is None:
                analysis = await self.analyzer.submit(item.analysis_input)
                if isinstance(analysis, ServiceError):
                    raise analysis
                known = await self._store(item, analysis)
            if isinstance(known, ServiceError):
                raise known
            return known
        finally:
            self._active -= 1
            if self._active == 0:
                self._idle.set()

    async def ingest_many(self, items: Sequence[IngestItem | ServiceError]) -> list[Outcome]:
        """Per item, in input order: (entry, created) or its error (validation errors pass
        through). Items are analysed and stored chunk by chunk."""
        results: list[Outcome | None] = [i if isinstance(i, ServiceError) else None for i in items]
        valid = [(i, item) for i, item in enumerate(items) if isinstance(item, IngestItem)]
        if not valid:  # nothing but validation errors: no thread, no database
            return [r for r in results if r is not None]
        known = await to_thread.run_sync(self.store.known, [item for _, item in valid])
        todo = []
        for (i, item), outcome in zip(valid, known, strict=True):
            if outcome is None:
                todo.append((i, item))
            else:
                results[i] = outcome
        for start in range(0, len(todo), self.CHUNK):
            chunk = todo[start : start + self.CHUNK]
            analyses = await self.analyzer.run_many([item.analysis_input for _, item in chunk])
            rows: list[tuple[int, IngestItem, Analysis]] = []
            for (i, item), analysis in zip(chunk, analyses, strict=True):
                if isinstance(analysis, ServiceError):
                    results[i] = analysis
                else:
                    rows.append((i, item, analysis))
            if rows:
                stored = await to_thread.run_sync(
                    self.store.store, [(item, analysis) for _, item, analysis in rows]
                )
                for (i, _, _), outcome in zip(rows, stored, strict=True):
                    results[i] = outcome
        return [r for r in results if r is not None]
