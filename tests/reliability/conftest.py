"""Fixtures for tests against the real server (tests/helpers/server.py): `nlp-service serve` in
a subprocess on a free loopback port, its own data folder, SQLite or a fresh PostgreSQL database.

A server start loads the models, so modules share one server where they can.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.helpers.server import Database, Server, server_env, sqlite_database


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Database:
    """SQLite in a temporary folder, or the session's fresh PostgreSQL database."""
    if request.param == "postgres":
        return Database(request.getfixturevalue("postgres_url"))
    return sqlite_database(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    return sqlite_database(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="module")
def make_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., Server]]:
    """Build (not start) servers; every one still running at the end of the module is stopped."""
    servers: list[Server] = []

    def make(db: Database, **settings: str) -> Server:
        # No per-key rate limit: these tests measure the server itself, and 32 clients on one
        # key exceed a limit meant for one integration (a 429 would hide what they look for).
        settings.setdefault("rate_limit", "")
        folder = tmp_path_factory.mktemp("server")
        server = Server(server_env(folder, db.url, **settings), folder / "server.log")
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def sqlite_server(make_server: Callable[..., Server], sqlite_db: Database) -> Server:
    """One running server on SQLite, shared by the tests of a module."""
    server = make_server(sqlite_db)
    server.start()
    return server


# --- clients ------------------------------------------------------------------------------------

# Fragments of survey answers written for these tests (German and English, some with words the
# moderation flags pick up), combined by index so every external_id gets its own stable text.
_OPENINGS = [
    "Die Lieferung kam zwei Tage später als angekündigt",
    "Der Techniker war pünktlich und hat alles erklärt",
    "Ich warte seit drei Wochen auf meine Erstattung",
    "Checkout on the app froze twice before the payment went through",
    "The new tariff is cheaper than what I paid last year",
    "Your hotline kept me on hold for forty minutes",
    "Die Rechnung war diesmal endlich verständlich aufgebaut",
    "Staff at the counter were patient with my questions",
]
_CLOSINGS = [
    "und das Paket war trotzdem gut verpackt.",
    "aber niemand hat auf meine E-Mail geantwortet.",
    "so I will probably stay with you.",
    "and honestly I am thinking about cancelling my contract.",
    "which is exactly what I expected.",
    "das ist einfach eine Frechheit, ich kündige.",
]


def answer_text(i: int) -> str:
    return f"{_OPENINGS[i % len(_OPENINGS)]} ({i}) {_CLOSINGS[(i // 3) % len(_CLOSINGS)]}"


class GaveUp(AssertionError):
    pass


@dataclass
class RetryStats:
    transport_errors: int = 0
    server_errors: int = 0
    existing: int = 0  # 200: stored by an earlier attempt whose answer was lost


async def post_until_acknowledged(
    client: httpx.AsyncClient,
    path: str,
    body: dict[str, object],
    stats: RetryStats,
    deadline: float,
) -> httpx.Response:
    """POST the same body until the server acknowledges it (2xx), retrying on connection errors
    and 5xx as a careful client would; any other 4xx is a test failure."""
    pause = 0.1
    while True:
        try:
            r = await client.post(path, json=body)
        except httpx.TransportError:
            stats.transport_errors += 1
        else:
            if r.status_code < 300:
                if r.status_code == 200 and path == "/v1/answers":
                    stats.existing += 1
                return r
            if r.status_code < 500:
                raise AssertionError(f"{path} answered {r.status_code}: {r.text[:500]}")
            stats.server_errors += 1
        if time.monotonic() > deadline:
            raise GaveUp(f"{path}: not acknowledged before the deadline")
        await asyncio.sleep(pause)
        pause = min(pause * 2, 1.0)
