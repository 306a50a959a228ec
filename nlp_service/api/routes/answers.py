"""/v1/answers: ingest one or many, read one, list with filters and cursor pagination."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import TypeAdapter, ValidationError

from nlp_service.api.deps import (
    AUTH_ERRORS,
    INPUT_ERRORS,
    NOT_FOUND,
    QUERY_ERRORS,
    Ingester,
    Reader,
    State,
    ingest_responses,
)
from nlp_service.api.errors import field_path, validation_message
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
    FilterText,
    QueryTime,
)
from nlp_service.services.ingest import IngestItem, build_item
from nlp_service.store import EntryFilter, EntryRepository

router = APIRouter(prefix="/v1/answers", tags=["answers"])
_answer_in = TypeAdapter(AnswerIn)


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
    principal: Ingester,
) -> AnswerOut:
    topics = await state.topic_model(principal.tenant_id)
    item = build_item(principal, "answer", body, topics, state.settings.max_text_chars)
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
    principal: Ingester,
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
                build_item(principal, "answer", payload, topics, state.settings.max_text_chars)
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
    principal: Reader,
) -> AnswerOut:
    entry = await state.read(
        lambda s: EntryRepository(s, principal.tenant_id).get(answer_id, "answer")
    )
    return answer_out(entry)


@router.get(
    "",
    summary="List answers (filters, cursor pagination)",
    description="Newest first. `theme` matches answers with that theme (id or label) in any "
    "sentence; `from`/`to` bound `submitted_at` (to is exclusive); `kpi_type` keeps answers "
    "scored on that KPI. Hidden answers are left out. The same filters select the answers of "
    "the insights.",
    response_model=AnswerPage,
    responses={**AUTH_ERRORS, **QUERY_ERRORS},
)
async def list_answers(
    state: State,
    principal: Reader,
    touchpoint: FilterText | None = None,
    theme: Annotated[FilterText | None, Query(description="Theme id or label")] = None,
    sentiment: Annotated[str | None, Query(pattern="^(negative|neutral|positive|mixed)$")] = None,
    kpi_group: FilterText | None = None,
    language: FilterText | None = None,
    since: Annotated[QueryTime | None, Query(alias="from")] = None,
    until: Annotated[QueryTime | None, Query(alias="to")] = None,
    survey_id: FilterText | None = None,
    question_id: FilterText | None = None,
    kpi_type: Annotated[str | None, Query(pattern="^(nps|csat|ces)$")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
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
        survey_id=survey_id,
        question_id=question_id,
        kpi_type=kpi_type,
    )
    rows, next_cursor = await state.read(
        lambda s: EntryRepository(s, principal.tenant_id).page("answer", filters, cursor, limit)
    )
    return AnswerPage(items=[answer_out(e) for e in rows], next_cursor=next_cursor)
