"""The real server in a subprocess for tests: `nlp-service serve` on a free loopback port with
its own data folder (`Server`), and a migrated database the test can query (`Database`).

A server start loads the models (~10 s on an idle 2-core machine, much longer under load).
`Server.kill()` is SIGKILL (no shutdown hooks run), `Server.stop()` SIGTERM (graceful shutdown;
returns the exit code) and `Server.start()` brings the same configuration back on the same port,
as a supervisor would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
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

    def stop(self) -> int | None:
        """SIGTERM (graceful shutdown), SIGKILL after 60 s; the exit code (None: not running)."""
        if self.proc is None or self.proc.poll() is not None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout=30)

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
