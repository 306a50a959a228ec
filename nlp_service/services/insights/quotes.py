"""Quotes as returned, and the opaque cursor of a theme's quote pages."""

from __future__ import annotations

import base64
import binascii
import json

from nlp_service.errors import InvalidInput
from nlp_service.schemas_insights import QuoteOut
from nlp_service.store.insights import QuoteRow

DEFAULT_QUOTES = 5


def quote_out(q: QuoteRow) -> QuoteOut:
    return QuoteOut(
        answer_id=q.answer_id,
        text=q.text,
        sentiment=q.sentiment,
        confidence=q.confidence,
        language=q.language,
        touchpoint=q.touchpoint,
        submitted_at=q.submitted_at,
        kpi_score=q.kpi_score,
    )


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["o"]
        if not isinstance(value, int) or value < 0:
            raise ValueError
        return value
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidInput("cursor is not one this API returned", field="quote_cursor") from None
