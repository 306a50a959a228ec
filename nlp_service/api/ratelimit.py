"""Per-key rate limits (moving window, `limits`): 429 with Retry-After when a key exceeds its
budget, so one integration's retry storm cannot starve every other tenant's requests."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from nlp_service.errors import InvalidInput, RateLimited


class KeyRateLimiter:
    def __init__(self, limit: str, storage_uri: str) -> None:
        self.enabled = bool(limit.strip())
        try:
            self._item = parse(limit) if self.enabled else None
        except ValueError:
            raise InvalidInput(
                f"rate limit {limit!r} is not like '1200/minute'", field="rate_limit"
            ) from None
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self.limit = limit

    def check(self, key_prefix: str) -> None:
        """Count one request for the key; raises RateLimited when over the limit."""
        if self._item is None:
            return
        if self._limiter.hit(self._item, key_prefix):
            return
        reset = self._limiter.get_window_stats(self._item, key_prefix).reset_time
        raise RateLimited(
            f"rate limit of this key exceeded ({self.limit}); retry later",
            retry_after=math.ceil(max(0.0, reset - time.time())),
        )
