"""The real server (`nlp-service serve` in a subprocess): SIGTERM while answers are being
analysed -> every accepted request still gets its stored answer, then the process exits cleanly."""

from __future__ import annotations

import signal
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.helpers.server import Server, server_env, sqlite_database


def _wait_in_progress(base: str, n: int, futures: list[Future[int]]) -> None:
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


@pytest.mark.slow
def test_sigterm_finishes_in_flight_batches(tmp_path: Path) -> None:
    db = sqlite_database(tmp_path)
    _, key = db.tenant_key("ingest")
    # Batches of 4: several model calls, some still queued at SIGTERM.
    env = server_env(tmp_path, db.url, batch_max_size="4", metrics_public="true")
    server = Server(env, tmp_path / "server.log")
    server.start()
    try:

        def post(i: int) -> int:
            r = httpx.post(
                f"{server.base}/v1/answers",
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
            _wait_in_progress(server.base, 16, futures)  # all are in: most wait for the model
            code = server.stop()  # SIGTERM, then waits for the exit
            codes = [f.result() for f in futures]
        assert codes == [201] * 16
        # uvicorn re-raises the signal after its graceful shutdown, hence -SIGTERM.
        assert code in (0, -signal.SIGTERM)
    finally:
        if server.proc is not None and server.proc.poll() is None:
            server.kill()
    text = server.log_text()
    assert "finishing in-flight batches" in text and "Application shutdown complete" in text
