"""The API's entry points into the ingest service, counting outcomes for /metrics."""

from __future__ import annotations

from collections.abc import Sequence

from nlp_service.api.state import ServiceState
from nlp_service.errors import ServiceError
from nlp_service.services.ingest import IngestItem, Outcome
from nlp_service.store.models import Entry


def _count(state: ServiceState, kind: str, outcomes: Sequence[Outcome]) -> None:
    for r in outcomes:
        label = "error" if isinstance(r, ServiceError) else "created" if r[1] else "existing"
        state.metrics.ingested.labels(kind, label).inc()


async def ingest_one(state: ServiceState, item: IngestItem) -> tuple[Entry, bool]:
    """(entry, created); raises the item's ServiceError."""
    try:
        outcome = await state.ingest.ingest_one(item)
    except ServiceError as exc:
        _count(state, item.new.kind, [exc])
        raise
    _count(state, item.new.kind, [outcome])
    return outcome


async def ingest_many(
    state: ServiceState, items: list[IngestItem | ServiceError], kind: str = "answer"
) -> list[Outcome]:
    outcomes = await state.ingest.ingest_many(items)
    _count(state, kind, outcomes)
    return outcomes
