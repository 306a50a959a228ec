"""Per-key rate limits (moving window): 429 with Retry-After when a key exceeds its budget, so
one integration's retry storm cannot starve every other tenant's requests.

The default storage (`memory://`, counts per process) is `MovingWindow` below. `limits`' own
memory storage starts a timer thread every 10 ms to expire old hits, which under 32 clients
took ~13% of the event loop's samples (py-spy, SQLite server); a deque of the key's last
`amount` hit times needs no thread. Shared storages (`redis://...`) go through `limits`, whose
moving window the deque reproduces: at most `amount` hits in any `seconds`-long window.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from limits import parse
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from nlp_service.errors import InvalidInput, RateLimited

MEMORY = "memory://"


class MovingWindow:
    """At most `amount` hits per key in any `seconds`-long window, in this process."""

    def __init__(
        self, amount: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.amount = amount
        self.seconds = seconds
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Counts the hit and returns 0, or refuses it and returns the seconds until the oldest
        hit of the window leaves it (when a retry can succeed)."""
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque(maxlen=self.amount))
            if len(hits) == self.amount:
                wait = hits[0] + self.seconds - now
                if wait > 0:
                    return wait
            hits.append(now)  # a full deque drops its oldest hit, now out of the window
            return 0.0


class KeyRateLimiter:
    def __init__(self, limit: str, storage_uri: str) -> None:
        self.enabled = bool(limit.strip())
        self.limit = limit
        self._local: MovingWindow | None = None
        self._shared: MovingWindowRateLimiter | None = None
        if not self.enabled:
            return
        try:
            item = parse(limit)
        except ValueError:
            raise InvalidInput(
                f"rate limit {limit!r} is not like '1200/minute'", field="rate_limit"
            ) from None
        self._item = item
        if storage_uri.strip() == MEMORY:
            self._local = MovingWindow(item.amount, item.get_expiry())
        else:
            try:
                storage = storage_from_string(storage_uri)
            except (ConfigurationError, ValueError) as exc:
                raise InvalidInput(
                    f"rate limit storage {storage_uri!r} is not usable: {exc}",
                    field="rate_limit_storage",
                ) from None
            self._shared = MovingWindowRateLimiter(storage)

    def check(self, key_prefix: str) -> None:
        """Count one request for the key; raises RateLimited when over the limit."""
        if self._local is not None:
            wait = self._local.hit(key_prefix)
            if wait <= 0:
                return
        elif self._shared is not None:
            if self._shared.hit(self._item, key_prefix):
                return
            reset = self._shared.get_window_stats(self._item, key_prefix).reset_time
            wait = reset - time.time()
        else:
            return
        raise RateLimited(
            f"rate limit of this key exceeded ({self.limit}); retry later",
            retry_after=math.ceil(max(0.0, wait)),
        )
