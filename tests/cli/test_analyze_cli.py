import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nlp_service.cli import app

pytestmark = pytest.mark.slow


def run_cli(tmp_path: Path, content: bytes) -> tuple[int, list[dict], str]:
    path = tmp_path / "answers.txt"
    path.write_bytes(content)
    result = CliRunner().invoke(app, ["analyze", str(path)])
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return result.exit_code, lines, result.stderr


def test_plain_text_lines(tmp_path: Path) -> None:
    code, out, _ = run_cli(
        tmp_path,
        "Die Lieferung kam viel zu spät und der Support war unfreundlich.\n"
        "Super freundliche Beratung, gerne wieder!\n".encode(),
    )
    assert code == 0
    assert [(o["line"], o["language"], o["sentiment"]["label"]) for o in out] == [
        (1, "de", "negative"),
        (2, "de", "positive"),
    ]
    for o in out:
        assert {"language_confidence", "flags", "redacted_text", "kpi"} <= set(o)
        assert -1 <= o["sentiment"]["score"] <= 1


def test_json_lines_with_kpi_and_hint(tmp_path: Path) -> None:
    lines = [
        {
            "id": "a1",
            "text": "Mehr Homeoffice",
            "language": "de",
            "kpi": {"type": "nps", "score": 3},
        },
        {"text": "Ich kündige, das war das letzte Mal.", "kpi": {"type": "csat", "score": 1}},
    ]
    code, out, _ = run_cli(tmp_path, "\n".join(json.dumps(x) for x in lines).encode())
    assert code == 0
    assert out[0]["id"] == "a1" and out[0]["language"] == "de"
    assert out[0]["kpi"] == {"type": "nps", "score": 3.0, "group": "detractor", "normalized": 0.3}
    assert out[1]["kpi"]["group"] == "negative"
    assert "churn" in {f["type"] for f in out[1]["flags"]}


def test_bad_lines_get_error_objects_and_others_are_analysed(tmp_path: Path) -> None:
    content = b"\n".join(
        [
            b"Alles bestens, danke!",
            b'{"text": "broken json"',
            b"   ",
            b'{"text": "ok", "kpi": {"type": "nps", "score": 12}}',
            b"Ung\xfcltiges UTF-8",
            b'{"text": "' + b"x" * 100_000 + b'"}',
            b'{"no_text": 1}',
            b"The app keeps crashing.",
        ]
    )
    code, out, err = run_cli(tmp_path, content)
    assert code == 2 and "6 line(s)" in err
    assert [o["line"] for o in out] == list(range(1, 9))
    errors = {o["line"]: o["error"] for o in out if "error" in o}
    assert errors[2]["code"] == "invalid_json"
    assert errors[3]["field"] == "text"
    assert errors[4]["field"] == "kpi.score"
    assert errors[5]["code"] == "invalid_utf8"
    assert errors[6]["code"] == "too_large"
    assert errors[7]["field"] == "text"
    assert out[0]["sentiment"]["label"] == "positive"
    assert out[7]["language"] == "en" and out[7]["sentiment"]["label"] == "negative"


def test_console_script_reads_stdin() -> None:
    exe = Path(sys.executable).with_name("nlp-service")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [str(exe), "analyze"],
        input=b"Great service, friendly staff!\n",
        capture_output=True,
        env=env,
        timeout=300,
        check=True,
    )
    out = json.loads(proc.stdout)
    assert (out["language"], out["sentiment"]["label"]) == ("en", "positive")
