"""/v1/answers: ingest one or many, read one, list with filters and cursor pagination."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import TypeAdapter, ValidationError

from nlp_service.api.auth import INGEST, READ, require
from nlp_service.api.errors import field_path, validation_message
from nlp_service.api.ingest import IngestItem, prepare
from nlp_service.api.state import ServiceState, get_state
from nlp_service.api.submit import ingest_many, ingest_one
from nlp_service.api.views import answer_out
from nlp_service.errors import InvalidInput, ServiceError, TooLarge
from nlp_service.schemas import (
    AnswerIn,
    AnswerOut,
    AnswerPage,
    BatchIn,
    BatchItemOut,
    BatchOut,
    ErrorBody,
    ErrorOut,
)
from nlp_service.store import EntryFilter, EntryRepository, Principal

router = APIRouter(prefix="/v1/answers", tags=["answers"])
_answer_in = TypeAdapter(AnswerIn)

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing or invalid API key"},
    403: {"model": ErrorOut, "description": "The key lacks the required role"},
}
INPUT_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorOut, "description": "Text or body over the configured limit"},
    422: {"model": ErrorOut, "description": "Invalid input; `field` names the offending field"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such item for this tenant"}
}
State = Annotated[ServiceState, Depends(get_state)]


def ingest_responses(model: type) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses shared by every endpoint that analyses and stores one item."""
    return {
        200: {"model": model, "description": "Already stored (same external_id and content)"},
        409: {"model": ErrorOut, "description": "external_id used for different content"},
        503: {"model": ErrorOut, "description": "Analysis queue full; retry after Retry-After"},
        **AUTH_ERRORS,
        **INPUT_ERRORS,
    }


@router.post(
    "",
    summary="Ingest one answer",
    description="Analyses and stores one answer. Idempotent on `external_id`: the same content "
    "again returns the stored answer (200), other content under the same key is a 409. "
    "Concurrent single requests are micro-batched for the models; 503 + Retry-After when the "
    "queue is full.",
    response_model=AnswerOut,
    status_code=201,
    responses=ingest_responses(AnswerOut),
)
async def create_answer(
    body: AnswerIn,
    response: Response,
    state: State,
    principal: Annotated[Principal, Depends(require(*INGEST))],
) -> AnswerOut:
    topics = await state.topic_model(principal.tenant_id)
    item = prepare(principal, "answer", body, topics, state.settings.max_text_chars)
    entry, created = await ingest_one(state, item)
    response.status_code = 201 if created else 200
    return answer_out(entry)


def _prefixed(exc: ServiceError, index: int) -> ErrorBody:
    field = f"items.{index}.{exc.field}" if exc.field else f"items.{index}"
    return ErrorBody(code=exc.code, message=exc.message, field=field)


@router.post(
    "/batch",
    summary="Ingest up to 1,000 answers",
    description="Per-item result or error, in input order; one bad item never rejects the "
    "others. Items follow the same rules as `POST /v1/answers` (idempotency per item).",
    response_model=BatchOut,
    responses={**AUTH_ERRORS, **INPUT_ERRORS},
)
async def create_batch(
    body: BatchIn,
    state: State,
    principal: Annotated[Principal, Depends(require(*INGEST))],
) -> BatchOut:
    limit = state.settings.max_batch_items
    if len(body.items) > limit:
        raise TooLarge(
            f"{len(body.items)} items; the limit is {limit} (NLP_SERVICE_MAX_BATCH_ITEMS)",
            field="items",
        )
    topics = await state.topic_model(principal.tenant_id)
    prepared: list[IngestItem | ServiceError] = []
    for raw in body.items:
        try:
            payload = _answer_in.validate_python(raw)
            prepared.append(
                prepare(principal, "answer", payload, topics, state.settings.max_text_chars)
            )
        except ValidationError as exc:
            err = exc.errors()[0]
            prepared.append(InvalidInput(validation_message(err), field=field_path(err["loc"])))
        except ServiceError as exc:
            prepared.append(exc)
    results = await ingest_many(state, prepared)
    items: list[BatchItemOut] = []
    for i, result in enumerate(results):
        if isinstance(result, ServiceError):
            items.append(BatchItemOut(index=i, status="error", error=_prefixed(result, i)))
        else:
            entry, created = result
            status = "created" if created else "existing"
            items.append(BatchItemOut(index=i, status=status, answer=answer_out(entry)))
    return BatchOut(
        items=items,
        created=sum(i.status == "created" for i in items),
        existing=sum(i.status == "existing" for i in items),
        failed=sum(i.status == "error" for i in items),
    )


@router.get(
    "/{answer_id}",
    summary="Read one answer",
    response_model=AnswerOut,
    responses={**AUTH_ERRORS, **NOT_FOUND},
)
async def get_answer(
    answer_id: str,
    state: State,
    principal: Annotated[Principal, Depends(require(*READ))],
) -> AnswerOut:
    entry = await state.read(
        lambda s: EntryRepository(s, principal.tenant_id).get(answer_id, "answer")
    )
    return answer_out(entry)


@router.get(
    "",
    summary="List answers (filters, cursor pagination)",
    description="Newest first. `theme` matches answers with that theme (id or label) in any "
    "sentence; `from`/`to` bound `submitted_at` (to is exclusive). Hidden answers are left out.",
    response_model=AnswerPage,
    responses={**AUTH_ERRORS, 422: INPUT_ERRORS[422]},
)
async def list_answers(
    state: State,
    principal: Annotated[Principal, Depends(require(*READ))],
    touchpoint: str | None = None,
    theme: Annotated[str | None, Query(description="Theme id or label")] = None,
    sentiment: Annotated[str | None, Query(pattern="^(negative|neutral|positive|mixed)$")] = None,
    kpi_group: str | None = None,
    language: str | None = None,
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: Annotated[datetime | None, Query(alias="to")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AnswerPage:
    filters = EntryFilter(
        touchpoint=touchpoint,
        theme=theme,
        sentiment=sentiment,
        kpi_group=kpi_group,
        language=language,
        since=since,
        until=until,
    )
    rows, next_cursor = await state.read(
        lambda s: EntryRepository(s, principal.tenant_id).page("answer", filters, cursor, limit)
    )
    return AnswerPage(items=[answer_out(e) for e in rows], next_cursor=next_cursor)
