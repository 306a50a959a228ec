"""`nlp-service mappings create|list|show|delete`, `import FILE --mapping M` and `export`:
the same mapping and storage as the API, on a fresh SQLite database."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nlp_service.analysis.pipeline import Pipeline
from nlp_service.cli import app as cli

DATA = Path(__file__).resolve().parents[1] / "connectors" / "data"
LIME = {
    "source": "limesurvey",
    "name": "Lieferumfrage",
    "kpi": {"field": "NPS", "type": "nps"},
    "text_fields": ["WHY", "BETTER"],
    "touchpoint": {"field": "TP"},
    "respondent": {"field": "id"},
}


@pytest.fixture
def cli_env(cli_data_dir: Path, monkeypatch: pytest.MonkeyPatch, api_pipeline: Pipeline) -> Path:
    # The CLI would load its own models; the session's pipeline is the same configuration.
    monkeypatch.setattr(Pipeline, "from_settings", classmethod(lambda cls, s: api_pipeline))
    return cli_data_dir


def test_limesurvey_import_from_the_cli(cli_env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["tenants", "create", "acme"]).exit_code == 0
    spec = cli_env / "lime.json"
    spec.write_text(json.dumps(LIME), encoding="utf-8")
    made = runner.invoke(cli, ["mappings", "create", str(spec), "--tenant", "acme"])
    assert made.exit_code == 0, made.output
    mapping = json.loads(made.output)
    assert mapping["webhook_url"] is None and "secret" not in mapping
    listed = runner.invoke(cli, ["mappings", "list", "--tenant", "acme"])
    assert mapping["id"] in listed.output and "Lieferumfrage" in listed.output

    export = str(DATA / "limesurvey_export.csv")
    first = runner.invoke(cli, ["import", export, "--mapping", "Lieferumfrage", "--tenant", "acme"])
    assert first.exit_code == 0, first.output
    assert "4 rows, 5 answers: 5 created, 0 already stored, 0 updated, 0 failed" in first.output
    assert "AGE" in first.output  # the unmapped question column is reported
    again = runner.invoke(cli, ["import", export, "--mapping", mapping["id"], "--json"])
    report = json.loads(again.output[again.output.index("{") :])
    assert (report["created"], report["existing"], report["failed"]) == (0, 5, 0)

    out = runner.invoke(cli, ["export", "--tenant", "acme", "--format", "csv"])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == 5
    r18 = sorted((r for r in rows if r["response_id"] == "18"), key=lambda r: r["question_id"])
    assert [r["question_id"] for r in r18] == ["BETTER", "WHY"]
    assert {(r["kpi_score"], r["kpi_group"], r["touchpoint"], r["respondent_id"]) for r in r18} == {
        ("2.0", "detractor", "hotline", "18")
    }
    assert {r["source"] for r in rows} == {"limesurvey"}

    bad = cli_env / "bad.csv"
    bad.write_text('"id","NPS","WHY"\n"1","11","Viel zu teuer."\n"2","8","Passt."\n', "utf-8")
    partial = runner.invoke(
        cli, ["import", str(bad), "--mapping", mapping["id"], "--format", "limesurvey"]
    )
    assert partial.exit_code == 2
    assert "row 2 WHY: kpi.score" in partial.output and "1 created" in partial.output
    missing = runner.invoke(cli, ["import", export, "--mapping", "nope"])
    assert missing.exit_code == 2 and "not found" in missing.output
    gone = runner.invoke(cli, ["mappings", "delete", mapping["id"]])
    assert gone.exit_code == 0 and mapping["id"] in gone.output
