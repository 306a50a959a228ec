"""Process-wide runtime settings made by importing the package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = "import nlp_service, os; print(os.environ.get('OMP_WAIT_POLICY'))"


def _policy_after_import(env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if env_value is not None:
        env["OMP_WAIT_POLICY"] = env_value
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_openmp_threads_sleep_by_default() -> None:
    assert _policy_after_import(None) == "PASSIVE"


def test_an_explicit_openmp_wait_policy_wins() -> None:
    assert _policy_after_import("ACTIVE") == "ACTIVE"
