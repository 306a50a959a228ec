"""`nlp-service codebook ...` calls the same service as /v1/codebook, on the configured database
(SQLite in a temporary data folder), tenant by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nlp_service.cli import app as cli
from nlp_service.config import get_settings
from nlp_service.store import create_tenant, make_sessionmaker, migrated_engine, transaction


@pytest.fixture
def database(cli_data_dir: Path) -> str:
    url = get_settings().resolved_database_url
    engine = migrated_engine(url)
    with transaction(make_sessionmaker(engine)) as session:
        create_tenant(session, "acme", "research")
        create_tenant(session, "other", "research")
    engine.dispose()
    return url


def test_codebook_cli_edits_export_import_and_diff(database: str, tmp_path: Path) -> None:
    run = CliRunner().invoke
    out = run(cli, ["codebook", "rename", "9", "--tenant", "acme", "--de", "Zusatzkosten",
                    "--actor", "anna", "--note", "kürzer"])  # fmt: skip
    assert out.exit_code == 0, out.output
    edit = json.loads(out.output)["edit"]
    assert edit["actor"] == "anna" and edit["after"]["labels"]["de"] == "Zusatzkosten"
    bad = run(cli, ["codebook", "merge", "1", "2", "--into", "3", "--tenant", "acme"])
    assert bad.exit_code == 2 and json.loads(bad.output)["error"]["field"] == "into"
    gone = run(cli, ["codebook", "retire", "99", "--tenant", "acme"])
    assert gone.exit_code == 2 and json.loads(gone.output)["error"]["code"] == "conflict"
    shown = json.loads(
        run(cli, ["codebook", "show", "-t", "acme", "--lang", "de", "--json"]).output
    )
    assert next(t for t in shown["themes"] if t["id"] == 9)["label"] == "Zusatzkosten"
    assert shown["edits"] == 1 and shown["version"]

    path = tmp_path / "book.csv"
    assert (
        run(cli, ["codebook", "export", "-t", "acme", "-f", "csv", "-o", str(path)]).exit_code == 0
    )
    imported = run(cli, ["codebook", "import", str(path), "--tenant", "other"])
    assert imported.exit_code == 0, imported.output
    assert [e["kind"] for e in json.loads(imported.output)["edits"]] == ["rename"]
    other = json.loads(run(cli, ["codebook", "show", "-t", "other", "--json"]).output)
    assert {t["id"]: t["labels"] for t in other["themes"]} == {
        t["id"]: t["labels"] for t in shown["themes"]
    }
    diff = run(cli, ["codebook", "diff", "-t", "acme", "--json"])
    assert json.loads(diff.output)["edits"][0]["outcome"] == "not replayed yet"
    table = run(cli, ["codebook", "edits", "-t", "acme"])
    assert table.exit_code == 0 and "rename" in table.output
    missing = run(cli, ["codebook", "show", "-t", "nobody"])
    assert missing.exit_code == 2 and json.loads(missing.output)["error"]["field"] == "tenant"
