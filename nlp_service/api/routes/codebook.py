"""/v1/codebook: the tenant's themes as a codebook a researcher edits (role research).

Every edit is an event (who = the API key's name, when, before/after) and produces a new active
version; refits replay all edits (see `nlp_service.services.codebook`). Handlers parse, call the
service on a worker thread and shape the output."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import Response

from nlp_service.api.deps import AUTH_ERRORS, INPUT_ERRORS, NOT_FOUND, Researcher, Responses, State
from nlp_service.errors import InvalidInput, TooLarge
from nlp_service.schemas import ErrorOut
from nlp_service.schemas_codebook import (
    CodebookOut,
    EditResultOut,
    EditsOut,
    ImportOut,
    SplitProposalIn,
    SplitProposalOut,
    edit_schema,
)

router = APIRouter(prefix="/v1/codebook", tags=["codebook"])
CONFLICT: Responses = {
    409: {
        "model": ErrorOut,
        "description": "The edit cannot apply (a theme id not in the active version; `field` "
        "names it) or a refit is queued or running (`field` = job)",
    }
}
FileFormat = Annotated[Literal["json", "csv"], Query(description="json or csv")]
ThemeIdPath = Annotated[int, Path(ge=0, le=2**31 - 1)]
IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


@router.get(
    "",
    summary="The tenant's codebook: themes with labels per language, source, status, size",
    description="`version` is null while the tenant uses the starter codebook. `label` is in "
    "`lang` when the theme has a label in it, else its default label. `size` counts the answers "
    "carrying the theme now.",
    response_model=CodebookOut,
    responses={**AUTH_ERRORS, 422: INPUT_ERRORS[422]},
)
async def get_codebook(
    state: State,
    principal: Researcher,
    lang: Annotated[Literal["de", "en"] | None, Query(description="Label language")] = None,
) -> CodebookOut:
    return await state.blocking(state.codebook.show, principal.tenant_id, lang)


@router.post(
    "/edits",
    summary="Edit the codebook: rename, merge, split, move, retire, add, accept",
    description="One edit, discriminated on `kind`. It becomes the new active version at once "
    "(stored answers reassigned; `rename` and `accept` change labels only, so nothing is "
    "reassigned and `reassigned` is 0) and is replayed on every later refit. `add` embeds the "
    "phrases (at least 3) into the new theme's prototype; `split` accepts a proposal from "
    "`POST /v1/codebook/themes/{id}/split-proposals`.",
    response_model=EditResultOut,
    status_code=201,
    responses={**AUTH_ERRORS, **INPUT_ERRORS, **NOT_FOUND, **CONFLICT},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": edit_schema()}},
        }
    },
)
async def post_edit(
    state: State, principal: Researcher, body: Annotated[dict[str, Any], Body()]
) -> EditResultOut:
    edit = state.codebook.parse(body)
    applied = await state.blocking(
        state.codebook.apply, principal.tenant_id, principal.actor, [edit]
    )
    return EditResultOut(
        edit=applied.edits[0], version=applied.version or "", reassigned=applied.reassigned
    )


@router.get(
    "/edits",
    summary="Edit events, newest first (who, when, before/after, last replay outcome)",
    response_model=EditsOut,
    responses={**AUTH_ERRORS, 422: INPUT_ERRORS[422]},
)
async def list_edits(
    state: State,
    principal: Researcher,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> EditsOut:
    edits, next_cursor = await state.blocking(
        state.codebook.edits, principal.tenant_id, limit, cursor
    )
    return EditsOut(edits=edits, next_cursor=next_cursor)


@router.post(
    "/themes/{theme_id}/split-proposals",
    summary="Propose a split of one theme (k-means on its answers' stored vectors)",
    description="Each part with its size, keywords, label and examples; accept it with a "
    "`split` edit naming `proposal_id`.",
    response_model=SplitProposalOut,
    status_code=201,
    responses={**AUTH_ERRORS, **INPUT_ERRORS, **CONFLICT},
)
async def propose_split(
    theme_id: ThemeIdPath,
    state: State,
    principal: Researcher,
    body: SplitProposalIn | None = None,
) -> SplitProposalOut:
    parts = body.parts if body is not None else 2
    return await state.blocking(state.codebook.propose_split, principal.tenant_id, theme_id, parts)


@router.get(
    "/export",
    summary="Export the active codebook as JSON or CSV",
    description="Columns id, label_de, label_en, description, keywords, phrases, source, "
    "status; in CSV, keywords and phrases are `|`-separated.",
    responses={
        **AUTH_ERRORS,
        422: INPUT_ERRORS[422],
        200: {"content": {"application/json": {}, "text/csv": {}}, "description": "The file"},
    },
)
async def export_codebook(
    state: State, principal: Researcher, format: FileFormat = "json"
) -> Response:
    text = await state.blocking(state.codebook.export, principal.tenant_id, format)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    return Response(
        text,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="codebook.{format}"'},
    )


@router.post(
    "/import",
    summary="Import a codebook file (the export's shape) as edits",
    description="The file is the raw body. Rows with an id in the active version become "
    "`rename` edits (only when their labels or description differ), other rows `add` edits "
    "(keeping their id; at least 3 phrases). Themes missing from the file are left alone. "
    "Errors name the row: `themes.3.label_de` (JSON) or `rows.4.phrases` (CSV line 4).",
    response_model=ImportOut,
    status_code=201,
    responses={**AUTH_ERRORS, **INPUT_ERRORS, **CONFLICT},
    openapi_extra=IMPORT_BODY,
)
async def import_codebook(
    request: Request,
    state: State,
    principal: Researcher,
    format: FileFormat = "json",
    note: Annotated[str | None, Query(max_length=2000)] = None,
) -> ImportOut:
    limit = state.settings.max_body_bytes
    data = await request.body()
    if len(data) > limit:
        raise TooLarge(f"codebook files are limited to {limit} bytes", field="body")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file must be UTF-8 text", field="body") from None
    if "\x00" in text:
        raise InvalidInput("the file must not contain NUL characters", field="body")
    return await state.blocking(
        state.codebook.import_file, principal.tenant_id, principal.actor, text, format, note
    )
