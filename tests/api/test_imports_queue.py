"""Imports as jobs of the database queue, through the real app on SQLite and PostgreSQL.

- with NLP_SERVICE_JOBS=worker the API only queues: the upload is stored with the job, the
  queue (readiness) counts it, and nothing is imported until a worker runs it;
- a worker stopped mid-import puts the job back in the queue (not failed, no attempt used), and
  the next run completes it with every answer stored exactly once; the stored file is deleted
  with the job's final status;
- with the in-process default, a finished import leaves no stored file behind.

The SIGKILL of an `nlp-service worker` process mid-import is tests/reliability/test_multiprocess.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nlp_service.api import create_app
from nlp_service.services import imports as import_jobs
from nlp_service.services.jobs import JobWorker
from nlp_service.store import make_sessionmaker, transaction
from nlp_service.store.jobs import queue_state
from tests.conftest import TenantKey, make_settings

MAPPING = {
    "source": "generic",
    "name": "plain export",
    "text_fields": ["comment"],
    "response_id": {"field": "id"},
    "language": {"field": "lang"},
    "kpi": {"field": "score", "type": "nps"},
}
_TEXTS = [
    "Die Lieferung kam zwei Tage zu spät",
    "The app froze twice during checkout",
    "Sehr freundliche Beratung in der Filiale",
    "Your hotline kept me waiting for ages",
]


def export_csv(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "lang", "score", "comment"])
    for i in range(rows):
        lang = "de" if i % 4 in (0, 2) else "en"
        writer.writerow([f"r{i:03d}", lang, i % 11, f"{_TEXTS[i % 4]} ({i})."])
    return out.getvalue().encode()


def _stored(db: Callable[..., list], tenant_id: str) -> tuple[int, int]:
    """(answers, distinct external ids) of the tenant."""
    ((n, distinct),) = db(
        "SELECT count(*), count(DISTINCT external_id) FROM entries WHERE tenant_id = :t",
        {"t": tenant_id},
    )
    return n, distinct


def _files(db: Callable[..., list], job_id: str) -> int:
    return db("SELECT count(*) FROM job_files WHERE job_id = :j", {"j": job_id})[0][0]


@pytest.mark.slow
def test_worker_stopped_mid_import_requeues_and_the_rerun_stores_each_answer_once(
    data_dir: Path, db_url: str, api_pipeline, tenant: Callable[..., TenantKey], db
) -> None:
    rows, chunk = 40, 4
    settings = make_settings(data_dir, db_url, jobs="worker", import_chunk_size=chunk)
    with TestClient(create_app(settings, api_pipeline)) as client:
        state = client.app.state.service
        assert state.worker is None  # this API process only queues
        key = tenant()
        mid = client.post("/v1/connectors/mappings", json=MAPPING, headers=key.headers).json()["id"]
        r = client.post(f"/v1/imports?mapping={mid}", content=export_csv(rows), headers=key.headers)
        assert r.status_code == 202, r.text
        job = r.json()
        assert (job["kind"], job["status"], job["attempts"]) == ("import", "queued", 0)
        assert _files(db, job["id"]) == 1
        with state.sessions() as session:
            assert queue_state(session).queued >= 1  # what /readyz reports
        assert client.get("/readyz").json()["checks"]["jobs"] == "ok"  # queued just now
        # A second import of the tenant waits for this one.
        again = client.post(
            f"/v1/imports?mapping={mid}",
            content=b"id,lang,score,comment\n1,de,3,x\n",
            headers=key.headers,
        )
        assert again.status_code == 409 and again.json()["error"]["field"] == "job"
        time.sleep(0.3)
        assert _stored(db, key.id) == (0, 0)  # nobody runs it yet

        # A worker of this process's kind (the app's own engine and batcher), stopped as soon as
        # the first chunk is stored: the job goes back to the queue, unfinished.
        state.imports.poll_seconds = 0.02
        sessions = make_sessionmaker(state.engine)
        first = JobWorker(sessions, {import_jobs.KIND: state.imports.run}, lease_seconds=30)
        runner = threading.Thread(target=first.run_once)
        runner.start()
        deadline = time.monotonic() + 120
        while _stored(db, key.id)[0] < chunk:
            assert time.monotonic() < deadline and runner.is_alive(), "no chunk was stored"
            time.sleep(0.01)
        first.stop(0)
        runner.join(30)
        assert not runner.is_alive()
        stopped = client.get(f"/v1/imports/{job['id']}", headers=key.headers).json()
        assert (stopped["status"], stopped["attempts"], stopped["error"]) == ("queued", 0, None)
        partial, _ = _stored(db, key.id)
        assert chunk <= partial < rows, partial
        assert _files(db, job["id"]) == 1  # kept for the next run

        second = JobWorker(sessions, {import_jobs.KIND: state.imports.run}, lease_seconds=30)
        assert second.run_once()
        done = client.get(f"/v1/imports/{job['id']}", headers=key.headers).json()
        assert (done["status"], done["attempts"], done["progress"]) == ("succeeded", 1, 1.0), done
        result = done["result"]
        assert (result["rows"], result["answers"], result["failed"]) == (rows, rows, 0)
        # The answers of the stopped run are found, not stored again.
        assert (result["existing"], result["created"]) == (partial, rows - partial)
        assert _stored(db, key.id) == (rows, rows)
        assert _files(db, job["id"]) == 0  # deleted with the job's final status


def test_in_process_import_deletes_its_file_and_reports_per_row_errors(
    client: TestClient, tenant: Callable[..., TenantKey], db
) -> None:
    key = tenant()
    mid = client.post("/v1/connectors/mappings", json=MAPPING, headers=key.headers).json()["id"]
    data = export_csv(3) + b"r003,de,42,Alles gut.\n"  # NPS 42: a per-row error, the rest stored
    r = client.post(f"/v1/imports?mapping={mid}", content=data, headers=key.headers)
    assert r.status_code == 202, r.text
    deadline = time.monotonic() + 120
    while (job := client.get(f"/v1/imports/{r.json()['id']}", headers=key.headers).json())[
        "status"
    ] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    assert job["status"] == "succeeded" and job["attempts"] == 1, job
    result = job["result"]
    assert (result["rows"], result["created"], result["failed"]) == (4, 3, 1)
    (error,) = result["errors"]
    assert (error["row"], error["field"]) == (5, "kpi.score")  # the file's 5th line
    assert _stored(db, key.id) == (3, 3)
    assert _files(db, job["id"]) == 0
    # An import that stored answers leaves the insights' snapshot at the tenant's data version,
    # so no reader has to read everything after a big import.
    snapshot = db(
        "SELECT s.version, s.answers, v.version FROM insights_snapshots s "
        "JOIN data_versions v ON v.tenant_id = s.tenant_id WHERE s.tenant_id = :t",
        {"t": key.id},
    )
    assert snapshot == [(result["insights_snapshot"], 3, result["insights_snapshot"])]
    # Every kind is a job of the one queue: GET /v1/jobs/{id} shows the import too.
    assert client.get(f"/v1/jobs/{job['id']}", headers=key.headers).json()["kind"] == "import"


def test_a_job_without_its_file_fails_with_a_message(
    client: TestClient, tenant: Callable[..., TenantKey]
) -> None:
    """An import queued before files were stored with jobs (or whose file is gone) fails
    instead of being retried forever."""
    from nlp_service.store import JobRepository

    key = tenant()
    state = client.app.state.service
    with transaction(state.sessions) as session:
        job = JobRepository(session, key.id).create(
            import_jobs.KIND, {"mapping_id": "map_gone", "format": "csv"}
        )
    state.worker.wake()
    deadline = time.monotonic() + 60
    while (got := client.get(f"/v1/imports/{job.id}", headers=key.headers).json())[
        "status"
    ] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, got
        time.sleep(0.1)
    assert got["status"] == "failed" and "no longer stored" in got["error"], got


@pytest.mark.slow
def test_in_process_import_cut_by_shutdown_resumes_after_restart(
    data_dir: Path, db_url: str, api_pipeline, tenant: Callable[..., TenantKey], db
) -> None:
    """The zero-setup default: the service stops mid-import (SIGTERM, a deploy); the import is
    back in the queue, not failed, and the restarted service completes it."""
    rows, chunk = 40, 4
    settings = make_settings(data_dir, db_url, import_chunk_size=chunk)
    key = tenant()
    with TestClient(create_app(settings, api_pipeline)) as client:
        client.app.state.service.imports.poll_seconds = 0.02
        mid = client.post("/v1/connectors/mappings", json=MAPPING, headers=key.headers).json()["id"]
        r = client.post(f"/v1/imports?mapping={mid}", content=export_csv(rows), headers=key.headers)
        job_id = r.json()["id"]
        deadline = time.monotonic() + 120
        while _stored(db, key.id)[0] < chunk:
            assert time.monotonic() < deadline, "no chunk was stored"
            time.sleep(0.01)
    # The app has shut down (lifespan): the worker stopped and the batcher drained.
    partial, _ = _stored(db, key.id)
    ((status, attempts, error),) = db(
        "SELECT status, attempts, error FROM jobs WHERE id = :j", {"j": job_id}
    )
    assert (status, attempts, error) == ("queued", 0, None) and chunk <= partial < rows, partial
    with TestClient(create_app(settings, api_pipeline)) as client:
        deadline = time.monotonic() + 120
        while (job := client.get(f"/v1/imports/{job_id}", headers=key.headers).json())[
            "status"
        ] not in ("succeeded", "failed"):
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
    assert (job["status"], job["attempts"]) == ("succeeded", 1), job
    assert (job["result"]["created"], job["result"]["existing"]) == (rows - partial, partial)
    assert _stored(db, key.id) == (rows, rows)
    assert _files(db, job_id) == 0
