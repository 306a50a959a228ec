"""Edge validation shared by every request model and query parameter: strings a database can
store and a response can encode, datetimes within a sane range, bounded metadata.

Each check raises ValueError with a message; pydantic turns it into a 422 naming the field.
Rejected: NUL characters (PostgreSQL cannot store them), lone surrogates (not encodable as
UTF-8), datetimes outside 1900-2200 (SQLite and Python overflow converting 0001-01-01+01:00 to
UTC), metadata deeper or larger than the limits (it is echoed on every read).
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

MIN_TIME = datetime(1900, 1, 1, tzinfo=UTC)
MAX_TIME = datetime(2200, 1, 1, tzinfo=UTC)
METADATA_MAX_BYTES = 16_384
METADATA_MAX_DEPTH = 5
METADATA_MAX_KEYS = 100
MAX_INT32 = 2**31 - 1
# Categories that draw nothing: spaces, line/paragraph separators, controls, format characters
# (zero-width space/joiners, BOM), unassigned and surrogates.
_INVISIBLE = {"Zs", "Zl", "Zp", "Cc", "Cf", "Cn", "Cs"}


def check_string(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters (\\u0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains a lone surrogate (not valid Unicode text)") from None
    return value


def has_visible(value: str) -> bool:
    return any(unicodedata.category(ch) not in _INVISIBLE for ch in value)


# A number, or a string that is one ("0", "1.7e9", " 0.5 ").
_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def reject_number_time(value: Any) -> Any:
    """Pydantic reads 0, 1.7e9 or "0.5" as Unix seconds (and large ones as milliseconds), so a
    client's number would silently become a 1970 date or a guess; the contract (and the
    OpenAPI schema) is an ISO 8601 string."""
    if isinstance(value, bool | int | float) or (
        isinstance(value, str) and _NUMBER.fullmatch(value)
    ):
        raise ValueError("must be an ISO 8601 date-time string, e.g. 2026-11-24T09:30:00Z")
    return value


def check_time(value: datetime) -> datetime:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if aware.year < MIN_TIME.year or aware.year >= MAX_TIME.year:
        raise ValueError(f"must be between {MIN_TIME:%Y-%m-%d} and {MAX_TIME:%Y-%m-%d}")
    try:
        return aware.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None


def _printable(key: str) -> str:
    """A key as it may appear in an error message: a lone surrogate in the message itself would
    make pydantic fail to build the error (a 500 instead of a 422), so it is escaped."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8")


def _walk(value: Any, depth: int, path: str) -> None:
    if depth > METADATA_MAX_DEPTH:
        raise ValueError(f"is nested deeper than {METADATA_MAX_DEPTH} levels (at {path})")
    if isinstance(value, str):
        try:
            check_string(value)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
    elif isinstance(value, dict):
        if len(value) > METADATA_MAX_KEYS:
            raise ValueError(f"has more than {METADATA_MAX_KEYS} keys at {path}")
        for key, item in value.items():
            where = f"{path}.{_printable(str(key))}"[:200]
            _walk(key, depth, where)
            _walk(item, depth + 1, where)
    elif isinstance(value, list):
        if len(value) > METADATA_MAX_KEYS:
            raise ValueError(f"has more than {METADATA_MAX_KEYS} items at {path}")
        for i, item in enumerate(value):
            _walk(item, depth + 1, f"{path}.{i}")
    elif isinstance(value, float) and value != value:  # NaN is not JSON
        raise ValueError(f"{path}: NaN is not allowed")


def check_metadata(value: dict[str, Any]) -> dict[str, Any]:
    _walk(value, 1, "metadata")
    size = len(json.dumps(value, ensure_ascii=False, default=str).encode("utf-8"))
    if size > METADATA_MAX_BYTES:
        raise ValueError(f"is {size} bytes as JSON; the limit is {METADATA_MAX_BYTES}")
    return value


def check_int32(value: int) -> int:
    if not -MAX_INT32 <= value <= MAX_INT32:
        raise ValueError(f"must be between {-MAX_INT32} and {MAX_INT32}")
    return value


CleanStr = Annotated[str, AfterValidator(check_string)]
SaneTime = Annotated[datetime, BeforeValidator(reject_number_time), AfterValidator(check_time)]
Metadata = Annotated[dict[str, Any], AfterValidator(check_metadata)]
Int32 = Annotated[int, AfterValidator(check_int32)]
