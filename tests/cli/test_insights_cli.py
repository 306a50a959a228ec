"""`nlp-service insights ...` calls the same service as the API, on the configured database
(SQLite in a temporary data folder), tenant by name."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nlp_service.cli import app as cli
from nlp_service.config import get_settings
from nlp_service.services.insights import CACHE
from nlp_service.store import create_tenant, make_sessionmaker, migrated_engine, transaction
from tests.api.test_insights import CORPUS
from tests.helpers.answers import seed_corpus


@pytest.fixture
def seeded(cli_data_dir: Path) -> Iterator[str]:
    url = get_settings().resolved_database_url
    engine = migrated_engine(url)
    with transaction(make_sessionmaker(engine)) as session:
        tenant, _ = create_tenant(session, "acme", "research")
        tenant_id = tenant.id
    engine.dispose()
    seed_corpus(url, tenant_id, CORPUS)
    yield url
    CACHE.clear()


def test_insights_cli_views(seeded: str) -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["insights", "themes", "--tenant", "acme", "--format", "json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    t0 = next(t for t in body["themes"] if t["id"] == 1)
    # the same hand-worked figures as the API test: theme 1 = a1 a2 a3 b3 b5, NPS 2 3 6 7 -> -75
    assert t0["count"] == 5 and t0["nps"] == -75.0
    hot = runner.invoke(
        cli, ["insights", "themes", "-t", "acme", "--touchpoint", "hotline", "-f", "csv"]
    )
    rows = list(csv.DictReader(io.StringIO(hot.output)))
    assert next(r for r in rows if r["id"] == "1")["nps"] == "-100.0"
    table = runner.invoke(cli, ["insights", "touchpoints", "--tenant", "acme"])
    assert table.exit_code == 0 and "touchpoints" in table.output
    drivers = runner.invoke(cli, ["insights", "drivers", "-t", "acme", "--top", "1", "-f", "json"])
    found = json.loads(drivers.output)
    # hotline's worst theme is 1 (removal impact -100 - ... < 0); delivery's too (b3: 7)
    assert [(d["touchpoint"], d["id"]) for d in found] == [("delivery", 1), ("hotline", 1)]
    for args in (["trends", "--theme", "2"], ["emerging", "--to", "2026-11-18"], ["theme", "1"]):
        res = runner.invoke(cli, ["insights", *args, "--tenant", "acme"])
        assert res.exit_code == 0, (args, res.output)


def test_insights_cli_errors(seeded: str) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["insights", "themes", "--tenant", "nobody"])
    assert missing.exit_code == 2 and '"field": "tenant"' in missing.output
    bad = runner.invoke(cli, ["insights", "themes", "-t", "acme", "--kpi-type", "xyz"])
    assert bad.exit_code == 2 and '"field": "kpi_type"' in bad.output
    sort = runner.invoke(cli, ["insights", "themes", "-t", "acme", "--sort", "size"])
    assert sort.exit_code == 2 and '"field": "sort"' in sort.output
    for view in ("trends", "theme"):
        args = [view, "1"] if view == "theme" else [view]
        res = runner.invoke(cli, ["insights", *args, "-t", "acme", "--interval", "year"])
        assert res.exit_code == 2 and '"field": "interval"' in res.output, res.output


def test_every_insights_command_takes_the_shared_filters(seeded: str) -> None:
    # One definition (commands/insights_options.py View): every command parses --from the same way.
    runner = CliRunner()
    commands = (["touchpoints"], ["themes"], ["theme", "1"], ["trends"], ["emerging"], ["drivers"])
    for args in commands:
        res = runner.invoke(
            cli, ["insights", *args, "-t", "acme", "--touchpoint", "hotline", "--from", "soon"]
        )
        assert res.exit_code == 2 and '"field": "from"' in res.output, (args, res.output)
        ok = runner.invoke(cli, ["insights", *args, "-t", "acme", "--kpi-type", "NPS", "-f", "csv"])
        assert ok.exit_code == 0, (args, ok.output)


def test_insights_cli_sort_and_interval_reach_the_service(seeded: str) -> None:
    runner = CliRunner()
    by_volume = runner.invoke(
        cli, ["insights", "themes", "-t", "acme", "--sort", "volume", "-f", "json"]
    )
    assert by_volume.exit_code == 0, by_volume.output
    counts = [t["count"] for t in json.loads(by_volume.output)["themes"]]
    assert counts == sorted(counts, reverse=True)
    monthly = runner.invoke(
        cli, ["insights", "trends", "-t", "acme", "--interval", "month", "-f", "json"]
    )
    assert monthly.exit_code == 0, monthly.output
    assert json.loads(monthly.output)["interval"] == "month"


def test_insights_cli_labels_in_the_requested_language(seeded: str) -> None:
    runner = CliRunner()
    # Theme 1 of the starter codebook: "Lieferzeit" / "Delivery time".
    for lang, label in (("de", "Lieferzeit"), ("en", "Delivery time")):
        out = runner.invoke(cli, ["insights", "themes", "-t", "acme", "--lang", lang, "-f", "json"])
        assert out.exit_code == 0, out.output
        assert next(t for t in json.loads(out.output)["themes"] if t["id"] == 1)["label"] == label
    one = runner.invoke(cli, ["insights", "theme", "1", "-t", "acme", "--lang", "de", "-f", "json"])
    assert one.exit_code == 0 and json.loads(one.output)["theme"]["label"] == "Lieferzeit"
    # without --lang the --language filter decides
    german = runner.invoke(
        cli, ["insights", "touchpoints", "-t", "acme", "--language", "de", "-f", "json"]
    )
    rows = json.loads(german.output)["touchpoints"]
    labels = {t["label"] for r in rows for t in r["top_negative_themes"] if t["id"] == 1}
    assert labels == {"Lieferzeit"}
    bad = runner.invoke(cli, ["insights", "themes", "-t", "acme", "--lang", "fr"])
    assert bad.exit_code == 2 and '"field": "lang"' in bad.output
