"""/v1/imports: a survey export file (CSV/XLSX of Qualtrics, LimeSurvey or plain CSV) imported
with a mapping as a job of the database queue (services/imports.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.datastructures import UploadFile

from nlp_service.api.deps import AUTH_ERRORS, INPUT_ERRORS, NOT_FOUND, Ingester, State
from nlp_service.api.views import job_out
from nlp_service.connectors.files import FORMATS
from nlp_service.errors import InvalidInput, NotFound, TooLarge
from nlp_service.schemas import ErrorOut, JobOut
from nlp_service.services.imports import KIND
from nlp_service.store import JobRepository

router = APIRouter(prefix="/v1/imports", tags=["imports"])
UPLOAD_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        }
    }
}


async def _upload(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"import files are limited to {limit} bytes", field="file")
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("send the export as the multipart field `file`", field="file")
        data = await upload.read(limit + 1)
        await form.close()
    else:
        data = await request.body()
    if len(data) > limit:
        raise TooLarge(f"import files are limited to {limit} bytes", field="file")
    if not data:
        raise InvalidInput("the upload is empty", field="file")
    return data


@router.post(
    "",
    summary="Import a survey export (background job)",
    description="Upload the file as multipart field `file` or as the raw body. `format`: "
    "`qualtrics` (three header rows), `limesurvey` (question codes as columns), `csv` (plain, "
    "columns named by the mapping) or `auto` (detected). Answers 202 with the job; poll "
    "`GET /v1/imports/{id}`: progress, then counts and a per-row error report. Re-importing the "
    "same file stores nothing twice. The file is kept in the database until the job finishes; a "
    "job whose worker crashed is run again (`attempts`), without storing any answer twice.",
    response_model=JobOut,
    status_code=202,
    responses={
        **AUTH_ERRORS,
        **INPUT_ERRORS,
        **NOT_FOUND,
        409: {
            "model": ErrorOut,
            "description": "An import is already queued or running for this tenant",
        },
    },
    openapi_extra=UPLOAD_BODY,
)
async def start_import(
    request: Request,
    state: State,
    principal: Ingester,
    mapping: Annotated[str, Query(min_length=1, max_length=200, description="Mapping id or name")],
    format: Annotated[str, Query(pattern=f"^({'|'.join(FORMATS)})$")] = "auto",
) -> JobOut:
    data = await _upload(request, state.settings.import_max_bytes)
    job = await state.blocking(state.imports.enqueue, principal.tenant_id, mapping, data, format)
    return job_out(job)


@router.get(
    "/{job_id}",
    summary="Import job: status, progress, report",
    response_model=JobOut,
    responses={**AUTH_ERRORS, **NOT_FOUND},
)
async def get_import(job_id: str, state: State, principal: Ingester) -> JobOut:
    job = await state.read(lambda s: JobRepository(s, principal.tenant_id).get(job_id))
    if job.kind != KIND:
        raise NotFound(f"import {job_id!r} not found", field="id")
    return job_out(job)
