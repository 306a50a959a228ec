"""Errors are values with a machine-readable code, a message and (optionally) the field at fault.

Every layer raises these; the API maps them to HTTP status codes in one place and the CLI prints
them as JSON error objects.
"""

from __future__ import annotations


class ServiceError(Exception):
    code = "error"
    status = 500

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class InvalidInput(ServiceError):
    code = "invalid_input"
    status = 422


class TooLarge(ServiceError):
    code = "too_large"
    status = 413


class NotFound(ServiceError):
    code = "not_found"
    status = 404


class Conflict(ServiceError):
    code = "conflict"
    status = 409


class Unauthorized(ServiceError):
    code = "unauthorized"
    status = 401


class Forbidden(ServiceError):
    code = "forbidden"
    status = 403


class Overloaded(ServiceError):
    code = "overloaded"
    status = 503
    retry_after = 1


class RateLimited(ServiceError):
    """The caller's key sent more requests than its limit allows in the window."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, field=None)
        self.retry_after = max(1, retry_after)


class ModelError(ServiceError):
    """A model artifact is missing, corrupt or incompatible with the configured embedder."""

    code = "model_error"
    status = 500
