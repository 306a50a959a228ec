"""Many processes, one service: two API processes and one job worker on one PostgreSQL.

- the same external_id sent to both APIs at once is stored once;
- a refit started on one API is run by the worker and served by both;
- the worker killed (SIGKILL) mid-refit and restarted: the job is claimed again when its lease
  runs out and completes (attempt 2);
- an import uploaded to one API is run by the worker; killed (SIGKILL) mid-import and restarted,
  the job completes (attempt 2) with every answer stored exactly once.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.helpers.server import ROOT, Database, Server, server_env
from tests.reliability.conftest import answer_text

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
FIXTURE = ROOT / "training" / "data" / "survey_topics_answers.jsonl"
# Every process of the service: jobs go to the worker, versions are re-read within a second,
# a dead worker's lease runs out after 4 s, imports are ingested 8 answers at a time.
SHARED = {
    "jobs": "worker",
    "job_lease_seconds": "4",
    "topic_recheck_seconds": "1",
    "import_chunk_size": "8",
}
StartWorker = Callable[[str], "subprocess.Popen[bytes]"]


@pytest.fixture(scope="module")
def pg(postgres_url: str) -> Database:
    return Database(postgres_url)


@pytest.fixture(scope="module")
def apis(make_server: Callable[..., Server], pg: Database) -> list[Server]:
    servers = [make_server(pg, **SHARED), make_server(pg, **SHARED)]
    for server in servers:
        server.start()
    return servers


@pytest.fixture
def start_worker(
    pg: Database, tmp_path: Path
) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    """`nlp-service worker` processes with the APIs' settings; all ended after the test."""
    procs: list[subprocess.Popen[bytes]] = []
    env = server_env(tmp_path, pg.url, **SHARED)

    def start(name: str) -> subprocess.Popen[bytes]:
        with (tmp_path / f"{name}.log").open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "nlp_service.cli", "worker", "--poll", "0.1"],
                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


def _headers(pg: Database) -> dict[str, str]:
    return {"Authorization": f"Bearer {pg.tenant_key()[1]}"}


def test_same_external_id_on_both_apis_is_stored_once(apis: list[Server], pg: Database) -> None:
    headers = _headers(pg)
    body = {"external_id": "race-1", "text": "Die Hotline war sofort erreichbar.", "language": "de"}

    def send(server: Server) -> httpx.Response:
        return httpx.post(f"{server.base}/v1/answers", json=body, headers=headers, timeout=60)

    for _ in range(3):  # several rounds of the race, each with a fresh key
        body["external_id"] = f"race-{time.monotonic_ns()}"
        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(send, apis)
        assert {first.status_code, second.status_code} <= {200, 201}, (first.text, second.text)
        assert first.json()["id"] == second.json()["id"]
        stored = pg.query(
            "SELECT count(*) FROM entries WHERE external_id = :e", {"e": body["external_id"]}
        )
        assert stored == [(1,)]


def test_refit_survives_a_killed_worker_and_is_served_by_both(
    apis: list[Server], pg: Database, start_worker: StartWorker
) -> None:
    headers = _headers(pg)
    first, second = (server.base for server in apis)
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    items = [
        {k: r[k] for k in ("text", "language", "touchpoint", "kpi", "submitted_at")} for r in rows
    ]
    stored = httpx.post(
        f"{first}/v1/answers/batch", json={"items": items}, headers=headers, timeout=600
    ).json()
    assert stored["created"] == len(items), stored

    worker = start_worker("worker-1")
    job = httpx.post(f"{second}/v1/topics/refit", headers=headers, timeout=30).json()
    deadline = time.monotonic() + 120
    while httpx.get(f"{first}/v1/jobs/{job['id']}", headers=headers).json()["status"] != (
        "running"
    ):
        assert time.monotonic() < deadline and worker.poll() is None, "the worker took no job"
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)  # mid-refit: nothing is activated before its very end
    worker.wait(timeout=10)
    killed = httpx.get(f"{first}/v1/jobs/{job['id']}", headers=headers).json()
    assert killed["status"] == "running" and killed["attempts"] == 1, killed

    start_worker("worker-2")
    deadline = time.monotonic() + 240
    while (done := httpx.get(f"{second}/v1/jobs/{job['id']}", headers=headers).json())[
        "status"
    ] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, done
        time.sleep(0.5)
    assert done["status"] == "succeeded" and done["attempts"] == 2, done
    version = done["result"]["version"]

    time.sleep(1.5)  # each API re-reads the tenant's active version within a second
    for server in apis:
        answer = httpx.post(
            f"{server.base}/v1/answers",
            json={"text": "Das Paket kam drei Tage zu spät.", "language": "de"},
            headers=headers,
            timeout=60,
        ).json()
        assert answer["models"]["topics"] == version, (server.base, answer["models"])


def _wait_done(base: str, path: str, headers: dict[str, str], seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while (job := httpx.get(f"{base}{path}", headers=headers, timeout=30).json())["status"] not in (
        "succeeded",
        "failed",
    ):
        assert time.monotonic() < deadline, job
        time.sleep(0.5)
    return job


def test_import_survives_a_killed_worker_and_stores_each_answer_once(
    apis: list[Server], pg: Database, start_worker: StartWorker
) -> None:
    tenant_id, key = pg.tenant_key()
    headers = {"Authorization": f"Bearer {key}"}
    first, second = (server.base for server in apis)
    rows = 64  # 8 chunks of 8
    lines = ["id,lang,comment"] + [
        f'imp-{i:03d},{"de" if i % 8 in (0, 1, 2, 6) else "en"},"{answer_text(i)}"'
        for i in range(rows)
    ]
    mapping = {
        "source": "generic",
        "name": "multiprocess import",
        "text_fields": ["comment"],
        "response_id": {"field": "id"},
        "language": {"field": "lang"},
    }
    mid = httpx.post(
        f"{first}/v1/connectors/mappings", json=mapping, headers=headers, timeout=30
    ).json()["id"]

    def stored() -> tuple[int, int]:
        ((n, distinct),) = pg.query(
            "SELECT count(*), count(DISTINCT external_id) FROM entries WHERE tenant_id = :t",
            {"t": tenant_id},
        )
        return n, distinct

    # Queued by one API (which runs no jobs), run by the worker.
    r = httpx.post(
        f"{first}/v1/imports?mapping={mid}",
        content="\n".join(lines).encode(),
        headers=headers,
        timeout=60,
    )
    assert r.status_code == 202 and r.json()["status"] == "queued", r.text
    job_id = r.json()["id"]
    path = f"/v1/imports/{job_id}"
    worker = start_worker("import-worker-1")
    deadline = time.monotonic() + 240  # the worker loads its models for its first import
    while stored()[0] < 8:
        assert time.monotonic() < deadline and worker.poll() is None, "the worker stored nothing"
        time.sleep(0.02)
    worker.send_signal(signal.SIGKILL)  # mid-import: some chunks stored, the rest not
    worker.wait(timeout=10)
    partial, _ = stored()
    killed = httpx.get(f"{second}{path}", headers=headers, timeout=30).json()
    assert killed["status"] == "running" and killed["attempts"] == 1, killed
    assert 8 <= partial < rows, partial
    assert pg.query("SELECT count(*) FROM job_files WHERE job_id = :j", {"j": job_id}) == [(1,)]

    start_worker("import-worker-2")  # claims the job once the dead worker's lease ran out
    done = _wait_done(second, path, headers, 240)
    assert done["status"] == "succeeded" and done["attempts"] == 2, done
    result = done["result"]
    assert (result["answers"], result["failed"]) == (rows, 0), result
    assert (result["created"], result["existing"]) == (rows - partial, partial)
    assert stored() == (rows, rows)  # every row exactly once
    assert pg.query("SELECT count(*) FROM job_files WHERE job_id = :j", {"j": job_id}) == [(0,)]
    ready = httpx.get(f"{first}/readyz", timeout=30).json()
    assert ready["checks"]["jobs"] == "ok", ready
