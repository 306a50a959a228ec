"""Every command that opens the database migrates it first: on a new data folder (no database
file yet) a tenant lookup reports the missing tenant (exit 2), not a SQLAlchemy traceback about
a missing table."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from nlp_service.cli import app as cli


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
def test_commands_on_a_new_database_report_the_tenant(cli_data_dir: Path, args: list[str]) -> None:
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 2, out.output
    assert "no tenant named 'nobody'" in out.output
    assert "Traceback" not in out.output and "no such table" not in out.output
