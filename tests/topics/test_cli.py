"""`nlp-service topics ...` through typer's CliRunner, on the survey fixture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nlp_service.cli import app
from nlp_service.config import Settings
from training.topics import SURVEY_TOPICS_FIXTURE

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture()
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder) -> Path:
    settings = Settings(threads=2, data_dir=tmp_path / "data")
    monkeypatch.setattr("nlp_service.commands.topics._settings", lambda: settings)
    return tmp_path


def _run(*args: str) -> dict | list:
    result = runner.invoke(app, ["topics", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_fit_show_assign_refit(cli_env: Path, embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = _run("fit", "--input", str(SURVEY_TOPICS_FIXTURE), "--name", "survey",
                   "--min-size", "8")  # fmt: skip
    assert summary["themes"] >= 5 and summary["unassigned_share"] <= 0.1
    assert summary["segments"] > summary["answers"] > 250
    cache = cli_env / "data" / "cache" / "embeddings"
    assert len(list(cache.glob("*.npy"))) == 1

    shown = _run("show", "survey", "--json")
    assert set(shown) == {"documents", "unassigned", "themes"}
    assert set(shown["themes"][0]) == {"id", "label", "keywords", "size", "examples", "parent"}
    # Documents are answers; unassigned are answers none of whose segments got a theme.
    assert shown["documents"] == summary["answers"]
    assert shown["unassigned"] == summary["unassigned"] <= summary["unassigned_segments"]

    table = runner.invoke(app, ["topics", "show", "survey"])
    assert table.exit_code == 0 and shown["themes"][0]["label"] in table.stdout

    answers = cli_env / "new.jsonl"
    answers.write_text(
        json.dumps({"id": "a1", "text": "Lieferung schnell, aber die Hotline ist eine Katastrophe"})
        + "\n" + json.dumps({"text": "The app crashes every time I open it."}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    lines = runner.invoke(app, ["topics", "assign", "--name", "survey", str(answers)])
    assert lines.exit_code == 0, lines.output
    rows = [json.loads(line) for line in lines.stdout.splitlines()]
    assert rows[0]["id"] == "a1" and len(rows[0]["segments"]) == 2
    assert len(rows[0]["themes"]) == 2 and len(rows[1]["themes"]) == 1
    assert "app" in rows[1]["themes"][0]["label"].lower()

    hierarchy = _run("hierarchy", "survey", "--json")
    assert sum(len(p["children"]) for p in hierarchy) == len(shown["themes"])
    per_class = _run("per-class", "survey", "--json")
    assert {r["class"] for r in per_class} >= {"app", "delivery", "hotline"}
    over = _run("over-time", "survey", "--json")
    assert over and all(r["period"].startswith("2026-") for r in over)
    assert runner.invoke(app, ["topics", "per-class", "survey"]).exit_code == 0

    # A refit of the same answers reuses the cached vectors: the encoder is not called again.
    def no_encode(texts: object) -> None:
        raise AssertionError("re-embedded")

    monkeypatch.setattr(embedder, "encode", no_encode)
    refit = _run("fit", "--input", str(SURVEY_TOPICS_FIXTURE), "--name", "survey",
                 "--min-size", "8", "--previous", "active")  # fmt: skip
    assert refit["kept_share"] == 1.0 and refit["mapping"]["kept"] == summary["themes"]
    mapping = _run("mapping", "survey", "--json")
    assert mapping["previous_version"] == summary["version"]
    listed = runner.invoke(app, ["topics", "versions", "survey"]).stdout
    assert f"* {refit['version']}" in listed and summary["version"] in listed


def test_fit_and_assign_never_show_personal_data(cli_env: Path, embedder) -> None:
    answers = cli_env / "pii.jsonl"
    rows = [
        {"text": f"Die Lieferung {i} kam zu spät, ruft mich an: 0171 1234567 oder "
                 f"anna.schmidt{i}@example.com", "language": "de"}
        for i in range(40)
    ]  # fmt: skip
    answers.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    summary = _run("fit", "--input", str(answers), "--name", "pii", "--min-size", "5")
    assert summary["themes"] >= 1
    manifests = list((cli_env / "data" / "topics" / "pii").rglob("manifest.json"))
    text = manifests[0].read_text(encoding="utf-8")
    assert "1234567" not in text and "example.com" not in text and "[PHONE]" in text
    out = runner.invoke(app, ["topics", "assign", "--name", "pii", str(answers)])
    assert out.exit_code == 0 and "1234567" not in out.stdout and "@example" not in out.stdout


def test_errors_are_json(cli_env: Path) -> None:
    missing = runner.invoke(app, ["topics", "show", "nope", "--root", str(cli_env / "t")])
    assert missing.exit_code == 2
    assert json.loads(missing.stderr)["error"]["code"] == "not_found"
    empty = cli_env / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    result = runner.invoke(app, ["topics", "fit", "--input", str(empty), "--name", "x"])
    assert result.exit_code == 2
    assert "empty" in json.loads(result.stderr)["error"]["message"]


def test_demo_model_ships(embedder) -> None:
    from nlp_service.analysis.topics import TopicRegistry
    from nlp_service.paths import MODELS_DIR

    registry = TopicRegistry(MODELS_DIR / "topics")
    model = registry.load("demo")
    assert model.embedder_id == embedder.id
    assert model.unassigned / model.documents <= 0.10
    ids = model.assign(embedder.encode(["My bag was lost", "Ich hing ewig in der Warteschleife"]))
    assert all(a.id >= 0 for a in ids)
