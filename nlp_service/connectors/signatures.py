"""Webhook signature checks with the per-mapping secret (standard library `hmac`).

- Standard Webhooks (Formbricks; also accepted for generic mappings): headers `webhook-id`,
  `webhook-timestamp` (Unix seconds), `webhook-signature: v1,<base64>` (several space-separated
  signatures during secret rotation). The signed content is `<id>.<timestamp>.<raw body>`, the
  key the base64 part of a `whsec_...` secret (any other secret is used as UTF-8 bytes). A
  timestamp further than the tolerance from now is refused, so a captured request cannot be
  replayed later.
- Typeform: `Typeform-Signature: sha256=<base64 HMAC-SHA256 of the raw body>`. Typeform sends no
  timestamp; a replayed delivery is harmless because ingestion is idempotent per response.
- Plain HMAC (generic senders that cannot do Standard Webhooks): `X-Signature: sha256=<hex>` over
  the raw body.

Every comparison is constant-time (`hmac.compare_digest`). Failures raise `SignatureError` with a
message that never contains the secret or the expected signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping

DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    """The request is not signed with this mapping's secret (or too old to accept)."""


def _key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_") :], validate=True)
        except (binascii.Error, ValueError):
            raise SignatureError("the mapping's whsec_ secret is not valid base64") from None
    return secret.encode("utf-8")


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def standard_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value a Standard Webhooks sender computes (for tests, clients)."""
    signed = msg_id.encode() + b"." + str(timestamp).encode() + b"." + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_standard(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    h = _lower(headers)
    msg_id, stamp, signatures = (
        h.get("webhook-id"),
        h.get("webhook-timestamp"),
        h.get("webhook-signature"),
    )
    if not msg_id or not stamp or not signatures:
        raise SignatureError(
            "missing Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature)"
        )
    try:
        timestamp = int(stamp)
    except ValueError:
        raise SignatureError("webhook-timestamp is not Unix seconds") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError(
            f"webhook-timestamp is more than {tolerance} s away from the server's clock "
            "(a replayed or delayed request)"
        )
    expected = standard_signature(secret, msg_id, timestamp, body).split(",", 1)[1]
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected.encode()):
            return
    raise SignatureError("webhook-signature does not match the mapping's secret")


def typeform_signature(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def verify_typeform(secret: str, headers: Mapping[str, str], body: bytes) -> None:
    given = _lower(headers).get("typeform-signature")
    if not given:
        raise SignatureError("missing Typeform-Signature header")
    if not hmac.compare_digest(given.encode(), typeform_signature(secret, body).encode()):
        raise SignatureError("Typeform-Signature does not match the mapping's secret")


def hex_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(_key(secret), body, hashlib.sha256).hexdigest()


def verify_generic(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    """Standard Webhooks when its headers are present, else `X-Signature: sha256=<hex>`."""
    h = _lower(headers)
    if "webhook-signature" in h:
        verify_standard(secret, h, body, now=now, tolerance=tolerance)
        return
    given = h.get("x-signature")
    if not given:
        raise SignatureError(
            "missing signature: send Standard Webhooks headers or X-Signature: sha256=<hex>"
        )
    if not hmac.compare_digest(
        given.strip().lower().encode(), hex_signature(secret, body).encode()
    ):
        raise SignatureError("X-Signature does not match the mapping's secret")
