"""`nlp-service db upgrade` and `tenants create`: the key is printed alone on the last line, is
stored only hashed, and authenticates against the app."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from nlp_service.api import create_app
from nlp_service.cli import app as cli
from nlp_service.store import make_engine
from tests.conftest import make_settings


def test_db_upgrade_and_tenants_create(cli_data_dir: Path, api_pipeline) -> None:
    runner = CliRunner()
    up = runner.invoke(cli, ["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert (cli_data_dir / "nlp_service.db").is_file()

    made = runner.invoke(cli, ["tenants", "create", "acme", "--roles", "ingest,research"])
    assert made.exit_code == 0, made.output
    key = made.output.strip().splitlines()[-1]
    assert key.startswith("nlps_") and " " not in key
    again = runner.invoke(cli, ["tenants", "create", "acme"])
    assert again.exit_code != 0 and "exists" in again.output
    bad = runner.invoke(cli, ["tenants", "create", "other", "--roles", "root"])
    assert bad.exit_code != 0

    url = f"sqlite:///{cli_data_dir / 'nlp_service.db'}"
    engine = make_engine(url)
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT prefix, key_hash, roles FROM api_keys").all()
    engine.dispose()
    assert len(stored) == 1 and key not in stored[0] and stored[0][2] == "ingest,research"

    with TestClient(create_app(make_settings(cli_data_dir, url), api_pipeline)) as client:
        h = {"Authorization": f"Bearer {key}"}
        r = client.post("/v1/answers", headers=h, json={"text": "Super Service!", "language": "de"})
        assert r.status_code == 201
        assert client.get("/v1/moderation/queue", headers=h).status_code == 403


def test_named_keys_list_revoke_rotate(cli_data_dir: Path, api_pipeline) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["tenants", "create", "beta", "--roles", "admin"]).exit_code == 0
    made = runner.invoke(cli, ["keys", "create", "beta", "--name", "anna", "--roles", "moderate"])
    assert made.exit_code == 0, made.output
    anna = made.output.strip().splitlines()[-1]
    dup = runner.invoke(cli, ["keys", "create", "beta", "--name", "anna"])
    assert dup.exit_code == 2 and "anna" in dup.output
    listed = runner.invoke(cli, ["keys", "list", "beta"]).output
    assert "beta-initial" in listed and "anna\t" in listed and "moderate" in listed
    tenants = runner.invoke(cli, ["tenants", "list"]).output
    assert tenants.startswith("beta\t") and "keys=2" in tenants

    rotated = runner.invoke(cli, ["keys", "rotate", "beta", "anna"])
    assert rotated.exit_code == 0, rotated.output
    new_anna = rotated.output.strip().splitlines()[-1]
    assert new_anna.startswith("nlps_") and new_anna != anna
    assert "revoked" in runner.invoke(cli, ["keys", "list", "beta"]).output
    missing = runner.invoke(cli, ["keys", "revoke", "beta", "nobody"])
    assert missing.exit_code == 2 and "nobody" in missing.output

    url = f"sqlite:///{cli_data_dir / 'nlp_service.db'}"
    with TestClient(create_app(make_settings(cli_data_dir, url), api_pipeline)) as client:
        old = {"Authorization": f"Bearer {anna}"}
        new = {"Authorization": f"Bearer {new_anna}"}
        assert client.get("/v1/moderation/queue", headers=old).status_code == 401
        assert client.get("/v1/moderation/queue", headers=new).status_code == 200
        assert runner.invoke(cli, ["keys", "revoke", "beta", "anna"]).exit_code == 0
        client.app.state.service.key_cache.clear()  # type: ignore[attr-defined]
        assert client.get("/v1/moderation/queue", headers=new).status_code == 401


def test_worker_refuses_an_unknown_job_kind(cli_data_dir: Path) -> None:
    out = CliRunner().invoke(cli, ["worker", "--kind", "import", "--kind", "reindex"])
    assert out.exit_code == 2 and "reindex" in out.output, out.output
    assert not (cli_data_dir / "nlp_service.db").exists()  # refused before touching anything
