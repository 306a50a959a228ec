"""`nlp-service evaluate flags` with several sets in one run (round 6)."""

import json

from typer.testing import CliRunner

from nlp_service.cli import app


def test_several_sets_in_one_run_rules_only() -> None:
    result = CliRunner().invoke(app, ["evaluate", "flags", "--set", "dev,fresh", "--json"])
    assert result.exit_code == 0, result.output
    runs = json.loads(result.output)
    assert [r["set"] for r in runs] == ["dev", "fresh"]
    assert all("overall" in r for r in runs)


def test_an_unknown_set_is_refused() -> None:
    result = CliRunner().invoke(app, ["evaluate", "flags", "--set", "dev,nope"])
    assert result.exit_code == 2
