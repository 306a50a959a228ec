"""Every command that opens the database migrates it first: on a new data folder (no database
file yet) a tenant lookup reports the missing tenant (exit 2), not a SQLAlchemy traceback about
a missing table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nlp_service.cli import app as cli
from nlp_service.config import get_settings


@pytest.fixture
def fresh_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("NLP_SERVICE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("NLP_SERVICE_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.mark.parametrize(
    "args",
    [
        ["insights", "themes", "--tenant", "nobody"],
        ["insights", "touchpoints", "--tenant", "nobody"],
        ["codebook", "show", "--tenant", "nobody"],
        ["codebook", "edits", "--tenant", "nobody"],
        ["export", "--tenant", "nobody"],
    ],
)
def test_commands_on_a_new_database_report_the_tenant(fresh_folder: Path, args: list[str]) -> None:
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 2, out.output
    assert "no tenant named 'nobody'" in out.output
    assert "Traceback" not in out.output and "no such table" not in out.output
