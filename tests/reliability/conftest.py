"""Fixtures for tests against the real server: `nlp-service serve` in a subprocess on a free
loopback port, its own data folder, SQLite or a fresh PostgreSQL database.

A server start loads the models (~10 s on an idle 2-core machine, much longer under load), so
modules share one server where they can. `Server.kill()` is SIGKILL (no shutdown hooks run) and
`Server.start()` brings the same configuration back on the same port, as a supervisor would.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from nlp_service.store import create_tenant, make_engine, make_sessionmaker, transaction, upgrade

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = float(os.environ.get("NLP_SERVICE_TEST_START_TIMEOUT", "300"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(data_dir: Path, db_url: str, **settings: str) -> dict[str, str]:
    """The environment of a server subprocess: this checkout first on the path, models offline,
    the given database (never one inherited from the caller's environment)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "NLP_SERVICE_DATA_DIR": str(data_dir),
        "NLP_SERVICE_DATABASE_URL": db_url,
        "NLP_SERVICE_LOG_JSON": "true",
    }
    env.pop("DATABASE_URL", None)
    env.update({f"NLP_SERVICE_{k.upper()}": v for k, v in settings.items()})
    return env


@dataclass
class Server:
    """One `nlp-service serve` process (restartable on the same port)."""

    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = START_TIMEOUT_S) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"\n--- start {self.starts} ---\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "nlp_service.cli", "serve", "--port", str(self.port)],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not ready in {timeout:.0f} s: {self.log_tail()}")
            time.sleep(0.25)

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, nothing flushed, open transactions cut off."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass(frozen=True)
class Database:
    """A migrated database the test can also query directly (what was really stored)."""

    url: str

    def tenant_key(self, roles: str = "ingest,research,moderate,admin") -> tuple[str, str]:
        """(tenant id, API key) of a new tenant."""
        engine = make_engine(self.url)
        try:
            with transaction(make_sessionmaker(engine)) as session:
                tenant, key = create_tenant(session, f"rel-{uuid.uuid4().hex[:10]}", roles)
                return tenant.id, key
        finally:
            engine.dispose()

    def query(self, sql: str, params: dict[str, object] | None = None) -> list[tuple]:
        engine = make_engine(self.url)
        try:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.execute(text(sql), params or {})]
        finally:
            engine.dispose()


def sqlite_database(folder: Path) -> Database:
    url = f"sqlite:///{folder / 'nlp_service.db'}"
    upgrade(url)
    return Database(url)


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
