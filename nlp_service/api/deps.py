"""Dependencies and OpenAPI responses declared once and shared by every router."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from nlp_service.api.auth import INGEST, MODERATE, READ, RESEARCH, require
from nlp_service.api.state import ServiceState, get_state
from nlp_service.schemas import ErrorOut
from nlp_service.store import Principal

State = Annotated[ServiceState, Depends(get_state)]
Ingester = Annotated[Principal, Depends(require(*INGEST))]
Reader = Annotated[Principal, Depends(require(*READ))]
Researcher = Annotated[Principal, Depends(require(*RESEARCH))]
Moderator = Annotated[Principal, Depends(require(*MODERATE))]
Admin = Annotated[Principal, Depends(require("admin"))]

Responses = dict[int | str, dict[str, Any]]

AUTH_ERRORS: Responses = {
    401: {"model": ErrorOut, "description": "Missing or invalid API key"},
    403: {"model": ErrorOut, "description": "The key lacks the required role"},
    429: {"model": ErrorOut, "description": "Rate limit of this key exceeded; see Retry-After"},
}
BAD_REQUEST: Responses = {
    400: {"model": ErrorOut, "description": "Malformed request body (e.g. invalid JSON)"},
}
INPUT_ERRORS: Responses = {
    **BAD_REQUEST,
    413: {"model": ErrorOut, "description": "Text or body over the configured limit"},
    422: {"model": ErrorOut, "description": "Invalid input; `field` names the offending field"},
}
QUERY_ERRORS: Responses = {
    422: {"model": ErrorOut, "description": "Invalid parameter; `field` names it"},
}
NOT_FOUND: Responses = {404: {"model": ErrorOut, "description": "No such item for this tenant"}}


def ingest_responses(model: type) -> Responses:
    """OpenAPI responses shared by every endpoint that analyses and stores one item."""
    return {
        200: {"model": model, "description": "Already stored (same external_id and content)"},
        409: {"model": ErrorOut, "description": "external_id used for different content"},
        503: {"model": ErrorOut, "description": "Analysis queue full; retry after Retry-After"},
        **AUTH_ERRORS,
        **INPUT_ERRORS,
    }
