"""Signature checks: the Standard Webhooks reference vector, Typeform's scheme, tampering,
wrong secrets and replays."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from nlp_service.connectors import signatures as sig

# The example of the Standard Webhooks specification's reference libraries.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
STAMP = 1614265330
BODY = b'{"test": 2432232314}'
EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def headers(signature: str, stamp: int = STAMP) -> dict[str, str]:
    return {"webhook-id": MSG_ID, "webhook-timestamp": str(stamp), "webhook-signature": signature}


def test_standard_webhooks_reference_vector() -> None:
    assert sig.standard_signature(SECRET, MSG_ID, STAMP, BODY) == EXPECTED
    sig.verify_standard(SECRET, headers(EXPECTED), BODY, now=STAMP + 10)
    # Several signatures (secret rotation): one valid is enough.
    sig.verify_standard(SECRET, headers(f"v1,bm9wZQ== {EXPECTED}"), BODY, now=STAMP)


@pytest.mark.parametrize(
    ("hdrs", "body", "now", "message"),
    [
        (headers(EXPECTED), BODY + b" ", STAMP, "does not match"),
        (headers(EXPECTED), BODY, STAMP + 301, "away from the server's clock"),
        (headers(EXPECTED), BODY, STAMP - 301, "away from the server's clock"),
        (headers("v2," + EXPECTED[3:]), BODY, STAMP, "does not match"),
        ({"webhook-id": MSG_ID, "webhook-signature": EXPECTED}, BODY, STAMP, "missing"),
        (headers(EXPECTED) | {"webhook-timestamp": "yesterday"}, BODY, STAMP, "Unix seconds"),
    ],
)
def test_standard_webhooks_refusals(hdrs: dict, body: bytes, now: int, message: str) -> None:
    with pytest.raises(sig.SignatureError, match=message) as info:
        sig.verify_standard(SECRET, hdrs, body, now=now)
    assert "MfKQ9r8" not in str(info.value)  # the secret never shows in a message


def test_wrong_secret_is_refused() -> None:
    other = "whsec_" + base64.b64encode(b"another secret entirely").decode()
    with pytest.raises(sig.SignatureError):
        sig.verify_standard(other, headers(EXPECTED), BODY, now=STAMP)


def test_typeform_signature_is_base64_hmac_of_the_raw_body() -> None:
    secret, body = "typeform-shared-secret", b'{"event_type":"form_response"}'
    by_hand = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    assert sig.typeform_signature(secret, body) == "sha256=" + by_hand
    sig.verify_typeform(secret, {"Typeform-Signature": "sha256=" + by_hand}, body)
    with pytest.raises(sig.SignatureError, match="does not match"):
        sig.verify_typeform(secret, {"Typeform-Signature": "sha256=" + by_hand}, body + b"\n")
    with pytest.raises(sig.SignatureError, match="missing"):
        sig.verify_typeform(secret, {}, body)


def test_generic_accepts_standard_webhooks_or_hex_hmac() -> None:
    secret, body = "generic-secret-123", b'{"id": 1}'
    by_hand = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    sig.verify_generic(secret, {"X-Signature": f"sha256={by_hand}"}, body)
    sig.verify_generic(
        secret, headers(sig.standard_signature(secret, MSG_ID, STAMP, body)), body, now=STAMP
    )
    with pytest.raises(sig.SignatureError):
        sig.verify_generic(secret, {"X-Signature": "sha256=" + "0" * 64}, body)
