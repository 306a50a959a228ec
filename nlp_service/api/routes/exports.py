"""/v1/exports/answers: one row per answer as CSV, XLSX or JSON lines, streamed."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from nlp_service.api.deps import AUTH_ERRORS, QUERY_ERRORS, Reader, State
from nlp_service.connectors.exports import MEDIA_TYPES, csv_lines, jsonl_lines, write_xlsx
from nlp_service.schemas import FilterText, QueryTime
from nlp_service.services.exports import AnswerExport
from nlp_service.store import EntryFilter

router = APIRouter(prefix="/v1/exports", tags=["exports"])
XLSX_READ = 256 * 1024


@router.get(
    "/answers",
    summary="Export answers (CSV, XLSX, JSON lines)",
    description="One row per answer: source ids (survey, response, question, respondent), KPI, "
    "touchpoint, language, sentiment, theme labels and ids, flags, moderation status, text "
    "(redacted unless the tenant keeps raw text). Filters as in `GET /v1/answers`; newest first.",
    responses={
        200: {"content": {m: {} for m in MEDIA_TYPES.values()}, "description": "The file"},
        **AUTH_ERRORS,
        **QUERY_ERRORS,
    },
    response_class=StreamingResponse,
)
async def export_answers(
    state: State,
    principal: Reader,
    format: Annotated[str, Query(pattern="^(csv|xlsx|jsonl)$")] = "csv",
    touchpoint: FilterText | None = None,
    theme: Annotated[FilterText | None, Query(description="Theme id or label")] = None,
    sentiment: Annotated[str | None, Query(pattern="^(negative|neutral|positive|mixed)$")] = None,
    kpi_group: FilterText | None = None,
    language: FilterText | None = None,
    since: Annotated[QueryTime | None, Query(alias="from")] = None,
    until: Annotated[QueryTime | None, Query(alias="to")] = None,
) -> StreamingResponse:
    filters = EntryFilter(
        touchpoint=touchpoint,
        theme=theme,
        sentiment=sentiment,
        kpi_group=kpi_group,
        language=language,
        since=since,
        until=until,
    )
    export = AnswerExport(state.sessions, principal.tenant_id, filters)
    # The first page is read before the response starts, so a bad filter is a 422, not a
    # broken download.
    first = await run_in_threadpool(export.next_page)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    headers = {"Content-Disposition": f'attachment; filename="answers-{stamp}.{format}"'}

    async def text_stream() -> AsyncIterator[str]:
        page, header = first, True
        while True:
            yield csv_lines(page, header) if format == "csv" else jsonl_lines(page)
            header = False
            if export.done:
                return
            page = await run_in_threadpool(export.next_page)
            if not page:
                return

    async def xlsx_stream() -> AsyncIterator[bytes]:
        def build() -> tempfile.SpooledTemporaryFile[bytes]:
            # Closed by the stream below once sent (or on error here).
            spool: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
                max_size=16 * 1024 * 1024
            )

            def pages() -> Iterator[list[dict[str, Any]]]:
                yield first
                yield from export.pages()

            try:
                write_xlsx(pages(), spool)
            except BaseException:
                spool.close()
                raise
            spool.seek(0)
            return spool

        spool = await run_in_threadpool(build)
        try:
            while chunk := await run_in_threadpool(spool.read, XLSX_READ):
                yield chunk
        finally:
            spool.close()

    stream = xlsx_stream() if format == "xlsx" else text_stream()
    return StreamingResponse(stream, media_type=MEDIA_TYPES[format], headers=headers)
