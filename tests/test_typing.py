"""The type checker is part of the test suite: `make test` (and so CI) fails on a mypy error.

mypy reads its settings (pydantic plugin, files, check_untyped_defs) from pyproject.toml. A cold
run (no .mypy_cache, as on a clean clone) takes over a minute on a busy machine, hence `slow`;
with a warm cache it takes a few seconds.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_mypy_reports_no_errors() -> None:
    # The project root first on the path, so this checkout is checked, not an installed copy.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "mypy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, f"mypy found type errors:\n{run.stdout}{run.stderr}"
    assert "Success: no issues found" in run.stdout
