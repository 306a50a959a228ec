"""Per-key rate limits: the moving window worked by hand, and 429 with Retry-After from the
real app for the key over its budget while another key goes on."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nlp_service.api import create_app
from nlp_service.api.ratelimit import KeyRateLimiter, MovingWindow
from nlp_service.errors import InvalidInput, RateLimited
from nlp_service.store import create_tenant, make_sessionmaker, transaction
from tests.conftest import TenantKey, make_settings


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_moving_window_counts_hits_in_any_window_of_its_length() -> None:
    clock = Clock()
    window = MovingWindow(3, 10.0, clock)
    for t in (0.0, 1.0, 2.0):
        clock.now = t
        assert window.hit("a") == 0.0
    clock.now = 3.0
    # Three hits in [0, 3]: the fourth waits until the hit at 0 leaves, 0 + 10 - 3 = 7 s.
    assert window.hit("a") == pytest.approx(7.0)
    assert window.hit("b") == 0.0  # another key has its own window
    clock.now = 10.0
    # The hit at 0 has left (0 + 10 - 10 = 0): allowed; the refused hit at 3 was not counted.
    assert window.hit("a") == 0.0
    clock.now = 10.5
    # Hits at 1, 2, 10 are in the window; the next frees at 1 + 10 = 11, in 0.5 s.
    assert window.hit("a") == pytest.approx(0.5)


def test_limiter_raises_with_retry_after_and_rejects_a_malformed_limit() -> None:
    limiter = KeyRateLimiter("2/minute", "memory://")
    limiter.check("k1")
    limiter.check("k1")
    with pytest.raises(RateLimited) as refused:
        limiter.check("k1")
    assert 1 <= refused.value.retry_after <= 60
    limiter.check("k2")
    KeyRateLimiter("", "memory://").check("k1")  # empty: no limit
    with pytest.raises(InvalidInput) as bad:
        KeyRateLimiter("lots", "memory://")
    assert bad.value.field == "rate_limit"


@pytest.mark.skipif(
    os.environ.get("NLP_SERVICE_SKIP_REDIS") == "1", reason="NLP_SERVICE_SKIP_REDIS=1"
)
def test_a_redis_storage_shares_the_window_between_limiters() -> None:
    """Two processes on one Redis (the server at 127.0.0.1:6379) count one window per key."""
    key = f"test-{uuid.uuid4().hex}"
    first = KeyRateLimiter("2/minute", "redis://127.0.0.1:6379")
    second = KeyRateLimiter("2/minute", "redis://127.0.0.1:6379")
    first.check(key)
    second.check(key)
    with pytest.raises(RateLimited) as refused:
        first.check(key)
    assert 1 <= refused.value.retry_after <= 60
    with pytest.raises(InvalidInput) as bad:
        KeyRateLimiter("2/minute", "nosuchstore://somewhere")
    assert bad.value.field == "rate_limit_storage"


def test_the_app_answers_429_with_retry_after_for_the_key_over_its_limit(
    tmp_path: Path, api_pipeline
) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}", rate_limit="3/minute")
    with TestClient(create_app(settings, api_pipeline)) as client:
        sessions = make_sessionmaker(client.app.state.service.engine)
        with transaction(sessions) as s:
            busy, busy_key = create_tenant(s, "busy")
            calm, calm_key = create_tenant(s, "calm")
        busy_headers = TenantKey(busy.id, busy_key).headers
        statuses = [client.get("/v1/me", headers=busy_headers).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = client.get("/v1/me", headers=busy_headers)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.json()["error"]["code"] == "rate_limited"
        assert client.get("/v1/me", headers=TenantKey(calm.id, calm_key).headers).status_code == 200
