"""API keys -> principal; role checks as FastAPI dependencies.

Keys arrive as `Authorization: Bearer <key>` or `X-API-Key: <key>`. Lookups are cached briefly
(keyed by the key's sha256) so a burst of single-answer requests does not hit the database for
each one; revocations take effect within `CACHE_SECONDS`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from nlp_service.errors import Forbidden, Unauthorized
from nlp_service.store.tenants import Principal, authenticate, hash_key

CACHE_SECONDS = 30.0
CACHE_MAX = 10_000

INGEST = ("ingest",)
READ = ("research", "moderate")
RESEARCH = ("research",)
MODERATE = ("moderate",)


class KeyCache:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, digest: str) -> Principal | None:
        hit = self._entries.get(digest)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def clear(self) -> None:
        self._entries.clear()

    def put(self, digest: str, principal: Principal) -> None:
        if len(self._entries) >= CACHE_MAX:
            self._entries.clear()
        self._entries[digest] = (time.monotonic() + CACHE_SECONDS, principal)


def _key_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("x-api-key") or None


def require(*roles: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency: the caller's principal if its key has one of `roles` (admin has all)."""

    async def dependency(request: Request) -> Principal:
        key = _key_from(request)
        if not key:
            raise Unauthorized("missing API key (Authorization: Bearer <key> or X-API-Key)")
        state = request.app.state.service
        digest = hash_key(key)
        principal = state.key_cache.get(digest)
        if principal is None:

            def lookup() -> Principal | None:
                with state.sessions() as session:
                    return authenticate(session, key)

            principal = await run_in_threadpool(lookup)
            if principal is None:
                raise Unauthorized("invalid or revoked API key")
            state.key_cache.put(digest, principal)
        if not principal.has_any(roles):
            raise Forbidden(
                f"this key lacks the role for this endpoint (one of: {', '.join(roles)})"
            )
        state.rate_limiter.check(principal.key_prefix)
        request.state.principal = principal
        return principal

    return dependency
