"""The one place where errors become HTTP responses: `{"error": {"code", "message", "field"}}`."""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic_core import ErrorDetails
from starlette.exceptions import HTTPException as StarletteHTTPException

from nlp_service.errors import Overloaded, ServiceError, TooLarge

log = structlog.get_logger("nlp_service.api")

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


def error_response(exc: ServiceError, headers: dict[str, str] | None = None) -> JSONResponse:
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers = {"Retry-After": str(int(retry_after)), **(headers or {})}
    return JSONResponse({"error": exc.to_dict()}, status_code=exc.status, headers=headers)


def field_path(loc: Sequence[object]) -> str | None:
    """('body', 'items', 3, 'kpi', 'score') -> 'items.3.kpi.score'; ('query', 'from') -> 'from'."""
    if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
        loc = loc[1:]
    # A field name is client input (an unknown key): a lone surrogate in it cannot be encoded
    # as UTF-8 in the response, so it is escaped.
    parts = [str(p).encode("utf-8", "backslashreplace").decode("utf-8") for p in loc]
    return ".".join(parts) or None


def validation_message(err: ErrorDetails) -> str:
    where = field_path(err["loc"])
    return f"{where}: {err['msg']}" if where else err["msg"]


async def _service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    if isinstance(exc, Overloaded):
        state = getattr(request.app.state, "service", None)
        if state is not None:
            state.metrics.rejected.inc()
    return error_response(exc)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # FastAPI types these as Any; they are pydantic's error dicts.
    errors: Sequence[ErrorDetails] = exc.errors()
    first: ErrorDetails = (
        errors[0]
        if errors
        else {"type": "invalid", "loc": (), "msg": "invalid request", "input": None}
    )
    if first.get("type") == "json_invalid":
        # FastAPI puts the byte offset into `loc`; it is a position, not a field.
        where = [p for p in first.get("loc", ()) if isinstance(p, int)]
        at = f" at byte {where[0]}" if where else ""
        reason = first.get("ctx", {}).get("error", first.get("msg"))
        message = f"request body is not valid JSON{at}: {reason}"
        body: dict[str, str | None] = {"code": "invalid_json", "message": message, "field": "body"}
        return JSONResponse({"error": body}, status_code=400)
    message = validation_message(first)
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more)"
    body = {"code": "invalid_input", "message": message, "field": field_path(first["loc"])}
    return JSONResponse({"error": body}, status_code=422)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    # A body that grew past the limit while streaming surfaces as FastAPI's 400 parse error.
    if isinstance(exc.__cause__, TooLarge):
        return error_response(exc.__cause__)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    body = {"code": code, "message": str(exc.detail), "field": None}
    return JSONResponse({"error": body}, status_code=exc.status_code, headers=exc.headers)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", error=repr(exc))
    body = {"code": "internal", "message": "internal error; see the service log", "field": None}
    return JSONResponse({"error": body}, status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
