"""Ingestion shared by answers and posts, as one batch step run on the model thread:

    look up idempotency keys (one query per tenant) -> analyse the new items (one model call)
    -> store them (one transaction, a savepoint per item)

Single requests reach it through the micro-batcher, so concurrent requests share the lookups,
the model call and the commit; the batch endpoint hands it chunks directly. Per item the result
is (entry, created) or the item's ServiceError, in input order.

Same external_id + same content -> the stored entry; same external_id + other content -> 409.
Two requests racing with one key: one insert wins, the other re-reads and compares.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from nlp_service.analysis.pipeline import AnswerInput, Pipeline
from nlp_service.errors import Conflict, ServiceError
from nlp_service.store import EntryRepository, NewEntry, Principal, transaction
from nlp_service.store.entries import DuplicateExternalId, content_hash
from nlp_service.store.models import Entry

Outcome = tuple[Entry, bool] | ServiceError


@dataclass(frozen=True)
class IngestItem:
    principal: Principal
    new: NewEntry
    analysis_input: AnswerInput


def prepare(
    principal: Principal,
    kind: str,
    payload: BaseModel,
    topics: Any,
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


def check_same(existing: Entry, new: NewEntry) -> Entry:
    if existing.content_hash != new.content_hash:
        raise Conflict(
            f"external_id {new.external_id!r} was already used for different content "
            f"({existing.id})",
            field="external_id",
        )
    return existing


class Ingestor:
    """The blocking batch step; called on the micro-batcher's model thread."""

    def __init__(self, sessions: sessionmaker[Session], pipeline: Pipeline) -> None:
        self.sessions = sessions
        self.pipeline = pipeline

    def __call__(self, items: list[IngestItem]) -> list[Outcome]:
        results: list[Outcome | None] = [None] * len(items)
        todo = self._known(items, results)
        if todo:
            analyses = self.pipeline.analyze_batch([items[i].analysis_input for i in todo])
            with transaction(self.sessions) as session:
                self._store_all(session, items, dict(zip(todo, analyses, strict=True)), results)
        return [r for r in results if r is not None]

    def _store_all(
        self,
        session: Session,
        items: list[IngestItem],
        analyses: dict[int, Any],
        results: list[Outcome | None],
    ) -> None:
        """One multi-row insert per tenant; item by item only when a key turns out taken."""
        groups: dict[tuple[str, bool], list[int]] = defaultdict(list)
        for i in analyses:
            principal = items[i].principal
            groups[(principal.tenant_id, principal.keep_raw)].append(i)
        for (tenant_id, keep_raw), indexes in groups.items():
            repo = EntryRepository(session, tenant_id)
            rows = [(items[i].new, analyses[i]) for i in indexes]
            try:
                for i, entry in zip(indexes, repo.add_many(rows, keep_raw=keep_raw), strict=True):
                    results[i] = (entry, True)
            except DuplicateExternalId:
                for i in indexes:
                    results[i] = self._store(session, items[i], analyses[i])

    def _known(self, items: list[IngestItem], results: list[Outcome | None]) -> list[int]:
        """Fill in items whose key is stored already; returns the indexes still to analyse."""
        keys: dict[tuple[str, str], list[str]] = defaultdict(list)
        for item in items:
            if item.new.external_id:
                keys[(item.principal.tenant_id, item.new.kind)].append(item.new.external_id)
        found: dict[tuple[str, str], dict[str, Entry]] = {}
        if keys:
            with self.sessions() as session:
                for (tenant_id, kind), ids in keys.items():
                    repo = EntryRepository(session, tenant_id)
                    found[(tenant_id, kind)] = repo.by_external_ids(kind, ids)
        todo = []
        for i, item in enumerate(items):
            ext = item.new.external_id
            stored = found.get((item.principal.tenant_id, item.new.kind), {}).get(ext or "")
            if stored is None:
                todo.append(i)
                continue
            try:
                results[i] = (check_same(stored, item.new), False)
            except ServiceError as exc:
                results[i] = exc
        return todo

    @staticmethod
    def _store(session: Session, item: IngestItem, analysis: Any) -> Outcome:
        repo = EntryRepository(session, item.principal.tenant_id)
        try:
            return repo.add(item.new, analysis, keep_raw=item.principal.keep_raw), True
        except DuplicateExternalId:
            # Stored meanwhile, or earlier in this very batch: compare with that row.
            ext = item.new.external_id or ""
            try:
                return check_same(repo.by_external_ids(item.new.kind, [ext])[ext], item.new), False
            except ServiceError as exc:
                return exc
