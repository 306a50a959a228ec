"""The real server (`nlp-service serve` in a subprocess): SIGTERM while answers are being
analysed -> every accepted request still gets its stored answer, then the process exits cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def _wait_in_progress(base: str, n: int, futures: list) -> None:
    """Until the server handles `n` requests at once (the /metrics request itself not counted),
    or one of them has finished already (then SIGTERM still arrives while others are in)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(f.done() for f in futures):
        metrics = httpx.get(f"{base}/metrics", timeout=5).text
        line = next(
            x for x in metrics.splitlines() if x.startswith("nlp_http_requests_in_progress")
        )
        if float(line.split()[-1]) - 1 >= n:
            return
        time.sleep(0.05)


def test_sigterm_finishes_in_flight_batches(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "NLP_SERVICE_DATA_DIR": str(tmp_path),
        "HF_HUB_OFFLINE": "1",
        "NLP_SERVICE_BATCH_MAX_SIZE": "4",
        "NLP_SERVICE_METRICS_PUBLIC": "true",
    }  # several model calls: some still queued at SIGTERM
    env.pop("DATABASE_URL", None)
    env.pop("NLP_SERVICE_DATABASE_URL", None)
    cli = [sys.executable, "-m", "nlp_service.cli"]
    out = subprocess.run(
        [*cli, "tenants", "create", "shutdown", "--roles", "ingest"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    key = out.strip().splitlines()[-1]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)

        def post(i: int) -> int:
            r = httpx.post(
                f"{base}/v1/answers",
                headers={"Authorization": f"Bearer {key}"},
                json={
                    "text": f"Die Lieferung {i} kam zu spät, der Support war "
                    "aber freundlich und hat schnell geholfen.",
                    "language": "de",
                },
                timeout=120,
            )
            return r.status_code

        with ThreadPoolExecutor(16) as pool:
            futures = [pool.submit(post, i) for i in range(16)]
            _wait_in_progress(base, 16, futures)  # all are in: most wait for the model
            proc.send_signal(signal.SIGTERM)
            codes = [f.result() for f in futures]
        assert codes == [201] * 16
        # uvicorn re-raises the signal after its graceful shutdown, hence -SIGTERM.
        assert proc.wait(timeout=60) in (0, -signal.SIGTERM)
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
    text = (tmp_path / "server.log").read_text()
    assert "finishing in-flight batches" in text and "Application shutdown complete" in text
