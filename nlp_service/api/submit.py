"""Async entry points into ingestion: one item through the micro-batcher, many in chunks."""

from __future__ import annotations

from nlp_service.api.ingest import IngestItem, Outcome
from nlp_service.api.state import ServiceState
from nlp_service.errors import ServiceError
from nlp_service.store.models import Entry

CHUNK = 128  # items per model call for batch requests, so queued single requests interleave


def _count(state: ServiceState, kind: str, outcomes: list[Outcome]) -> None:
    for r in outcomes:
        label = "error" if isinstance(r, ServiceError) else "created" if r[1] else "existing"
        state.metrics.ingested.labels(kind, label).inc()


async def ingest_one(state: ServiceState, item: IngestItem) -> tuple[Entry, bool]:
    """(entry, created); raises the item's ServiceError."""
    outcome = await state.batcher.submit(item)
    _count(state, item.new.kind, [outcome])
    if isinstance(outcome, ServiceError):
        raise outcome
    return outcome


async def ingest_many(
    state: ServiceState, items: list[IngestItem | ServiceError], kind: str = "answer"
) -> list[Outcome]:
    """Per item, in input order: (entry, created) or its error (validation errors pass through)."""
    results: list[Outcome | None] = [i if isinstance(i, ServiceError) else None for i in items]
    valid = [(i, item) for i, item in enumerate(items) if isinstance(item, IngestItem)]
    for start in range(0, len(valid), CHUNK):
        chunk = valid[start : start + CHUNK]
        outcomes = await state.batcher.run_many([item for _, item in chunk])
        for (i, _), outcome in zip(chunk, outcomes, strict=True):
            results[i] = outcome
    done = [r for r in results if r is not None]
    _count(state, kind, done)
    return done
