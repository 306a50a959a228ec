"""Many processes, one service: two API processes and one job worker on one PostgreSQL.

- the same external_id sent to both APIs at once is stored once;
- a refit started on one API is run by the worker and served by both;
- the worker killed (SIGKILL) mid-refit and restarted: the job is claimed again when its lease
  runs out and completes (attempt 2).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "nlp_service.cli"]
FIXTURE = ROOT / "training" / "data" / "survey_topics_answers.jsonl"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def env(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("multi")
    values = {
        **os.environ,
        "DATABASE_URL": postgres_url,
        "NLP_SERVICE_DATA_DIR": str(data),
        "NLP_SERVICE_JOBS": "worker",
        "NLP_SERVICE_JOB_LEASE_SECONDS": "4",
        "NLP_SERVICE_TOPIC_RECHECK_SECONDS": "1",
        "NLP_SERVICE_RATE_LIMIT": "",
        "HF_HUB_OFFLINE": "1",
    }
    values.pop("NLP_SERVICE_DATABASE_URL", None)
    return values


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*CLI, *args], env=env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def _wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
        time.sleep(0.3)


@pytest.fixture(scope="module")
def apis(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    logs = tmp_path_factory.mktemp("logs")
    ports = [_free_port(), _free_port()]
    procs = [
        _start(["serve", "--port", str(p)], env, logs / f"api-{i}.log") for i, p in enumerate(ports)
    ]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        for base, proc in zip(bases, procs, strict=True):
            _wait_ready(base, proc)
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _key(env: dict[str, str], name: str) -> dict[str, str]:
    out = subprocess.run(
        [*CLI, "tenants", "create", name], env=env, cwd=ROOT, check=True,
        capture_output=True, text=True,
    ).stdout  # fmt: skip
    return {"Authorization": f"Bearer {out.strip().splitlines()[-1]}"}


def test_same_external_id_on_both_apis_is_stored_once(
    apis: list[str], env: dict[str, str], postgres_url: str
) -> None:
    headers = _key(env, f"race-{os.getpid()}")
    body = {"external_id": "race-1", "text": "Die Hotline war sofort erreichbar.", "language": "de"}

    def send(base: str) -> httpx.Response:
        return httpx.post(f"{base}/v1/answers", json=body, headers=headers, timeout=60)

    for _ in range(3):  # several rounds of the race, each with a fresh key
        body["external_id"] = f"race-{time.monotonic_ns()}"
        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(send, apis)
        assert {first.status_code, second.status_code} <= {200, 201}, (first.text, second.text)
        assert first.json()["id"] == second.json()["id"]
        engine = create_engine(postgres_url)
        with engine.connect() as conn:
            stored = conn.execute(
                text("SELECT count(*) FROM entries WHERE external_id = :e"),
                {"e": body["external_id"]},
            ).scalar()
        engine.dispose()
        assert stored == 1


def test_refit_survives_a_killed_worker_and_is_served_by_both(
    apis: list[str], env: dict[str, str], tmp_path: Path
) -> None:
    headers = _key(env, f"refit-{os.getpid()}")
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    items = [
        {k: r[k] for k in ("text", "language", "touchpoint", "kpi", "submitted_at")} for r in rows
    ]
    stored = httpx.post(
        f"{apis[0]}/v1/answers/batch", json={"items": items}, headers=headers, timeout=600
    ).json()
    assert stored["created"] == len(items), stored

    worker = _start(["worker", "--poll", "0.1"], env, tmp_path / "worker-1.log")
    job = httpx.post(f"{apis[1]}/v1/topics/refit", headers=headers, timeout=30).json()
    deadline = time.monotonic() + 120
    while httpx.get(f"{apis[0]}/v1/jobs/{job['id']}", headers=headers).json()["status"] != (
        "running"
    ):
        assert time.monotonic() < deadline and worker.poll() is None, "the worker took no job"
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)  # mid-refit: nothing is activated before its very end
    worker.wait(timeout=10)
    killed = httpx.get(f"{apis[0]}/v1/jobs/{job['id']}", headers=headers).json()
    assert killed["status"] == "running" and killed["attempts"] == 1, killed

    restarted = _start(["worker", "--poll", "0.1"], env, tmp_path / "worker-2.log")
    try:
        deadline = time.monotonic() + 240
        while (done := httpx.get(f"{apis[1]}/v1/jobs/{job['id']}", headers=headers).json())[
            "status"
        ] not in ("succeeded", "failed"):
            assert time.monotonic() < deadline, done
            time.sleep(0.5)
    finally:
        restarted.terminate()
        restarted.wait(timeout=30)
    assert done["status"] == "succeeded" and done["attempts"] == 2, done
    version = done["result"]["version"]

    time.sleep(1.5)  # each API re-reads the tenant's active version within a second
    for base in apis:
        answer = httpx.post(
            f"{base}/v1/answers",
            json={"text": "Das Paket kam drei Tage zu spät.", "language": "de"},
            headers=headers,
            timeout=60,
        ).json()
        assert answer["models"]["topics"] == version, (base, answer["models"])
