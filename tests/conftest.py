"""Shared app and database fixtures for tests/api and tests/store.

The database fixture is parametrised over SQLite and the real PostgreSQL at 127.0.0.1:5432.
PostgreSQL tests run in a fresh database created for this session and dropped afterwards (other
suites may use the server at the same time); they fail when the server is unreachable unless
NLP_SERVICE_SKIP_POSTGRES=1. One analysis Pipeline is loaded per session and shared by every app.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from nlp_service.analysis.pipeline import Pipeline
from nlp_service.api import create_app
from nlp_service.config import Settings, get_settings
from nlp_service.store import create_tenant, make_engine, make_sessionmaker, transaction, upgrade

POSTGRES_ADMIN_URL = os.environ.get(
    "NLP_SERVICE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _skip_postgres() -> bool:
    return os.environ.get("NLP_SERVICE_SKIP_POSTGRES") == "1"


@pytest.fixture
def cli_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The CLI's settings on a new, empty data folder (its embedded SQLite lives there, no
    database URL from the environment); the settings cache is cleared before and after."""
    monkeypatch.setenv("NLP_SERVICE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("NLP_SERVICE_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def api_pipeline() -> Pipeline:
    return Pipeline.from_settings(Settings(data_dir=Path("/nonexistent")))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database on the shared server; dropped at the end of the session."""
    if _skip_postgres():
        pytest.skip("NLP_SERVICE_SKIP_POSTGRES=1")
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"nlp_service_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:  # fails (not skips) when the server is down
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'nlp_service.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def data_dir(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


def make_settings(data_dir: Path, db_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": db_url,
        "batch_max_wait_ms": 5.0,
        "log_json": True,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def app_settings(data_dir: Path, db_url: str) -> Settings:
    return make_settings(data_dir, db_url)


@pytest.fixture
def client(app_settings: Settings, api_pipeline: Pipeline) -> Iterator[TestClient]:
    """httpx (TestClient) against the real app, lifespan included."""
    with TestClient(create_app(app_settings, api_pipeline)) as c:
        yield c


@dataclass(frozen=True)
class TenantKey:
    id: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@pytest.fixture
def tenant(db_url: str) -> Iterator[Callable[..., TenantKey]]:
    """Create a tenant (unique name, so tests never share data) and its key."""
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)

    def make(roles: str = "ingest,research,moderate,admin", keep_raw: bool = False) -> TenantKey:
        with transaction(sessions) as session:
            t, key = create_tenant(session, f"t-{uuid.uuid4().hex[:10]}", roles, keep_raw=keep_raw)
            return TenantKey(t.id, key)

    yield make
    engine.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[Callable[[str, dict], list]]:
    """Raw SQL against the test database, to check what was really stored."""
    engine = make_engine(db_url)

    def query(sql: str, params: dict | None = None) -> list:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params or {}))

    yield query
    engine.dispose()
