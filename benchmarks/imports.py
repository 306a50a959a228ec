"""Import throughput of a CSV export vs the batch endpoint, on the real server, in one run.

    python benchmarks/imports.py [--n 20000] [--rounds 4] [--batch 1000]

Starts `nlp-service serve` (uvicorn, SQLite in a temporary data folder), creates a tenant with
the CLI and a plain-CSV mapping through the API, then on the same answers (real customer tweets
and the project's German/English answers, `benchmarks.corpus`) measures, alternating in rounds
so load from other processes on the shared machine hits both alike:
  A. the batch endpoint: sequential POST /v1/answers/batch calls of `--batch` items;
  B. an import: POST /v1/imports of a CSV file (text, score, touchpoint, date, id columns) and
     polling GET /v1/imports/{id} until the job succeeded (upload, parsing, mapping, analysis
     and storage included).
Prints answers/s of both and B/A, and the rate of re-importing one round's file (every answer
already stored: nothing is analysed or stored twice). Writes benchmarks/results/imports.txt.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import sys
import time
from pathlib import Path

import httpx

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.concurrency import serve  # noqa: E402
from benchmarks.corpus import feedback_answers  # noqa: E402
from nlp_service.config import Settings  # noqa: E402

RESULT = ROOT / "benchmarks" / "results" / "imports.txt"
TOUCHPOINTS = ("hotline", "delivery", "app", "store", "web")
MAPPING = {
    "source": "generic",
    "name": "bench csv",
    "kpi": {"field": "score", "type": "nps"},
    "text_fields": ["comment"],
    "touchpoint": {"field": "channel"},
    "submitted_at": {"field": "date"},
    "response_id": {"field": "response"},
}


def fields(i: int) -> tuple[str, str, int]:
    """(date, touchpoint, NPS score) of the i-th answer, the same in both modes."""
    return f"2026-10-{1 + i % 28:02d} 12:00:00", TOUCHPOINTS[i % 5], i % 11


def csv_file(texts: list[str], start: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["response", "date", "channel", "score", "comment"])
    for i, text in enumerate(texts, start):
        writer.writerow([f"r{i}", *fields(i), text])
    return out.getvalue().encode("utf-8")


def run_batches(client: httpx.Client, texts: list[str], start: int, size: int) -> float:
    began = time.perf_counter()
    for first in range(0, len(texts), size):
        items = []
        for i, text in enumerate(texts[first : first + size], start + first):
            date, touchpoint, score = fields(i)
            items.append(
                {
                    "external_id": f"batch-{i}",
                    "text": text,
                    "touchpoint": touchpoint,
                    "kpi": {"type": "nps", "score": score},
                    "submitted_at": date.replace(" ", "T") + "Z",
                }
            )
        r = client.post("/v1/answers/batch", json={"items": items})
        r.raise_for_status()
        errors = [i["error"] for i in r.json()["items"] if i["status"] == "error"]
        if errors:
            raise RuntimeError(f"{len(errors)} batch items failed, e.g. {errors[0]}")
    return len(texts) / (time.perf_counter() - began)


def run_import(client: httpx.Client, mapping_id: str, data: bytes) -> tuple[float, dict]:
    start = time.perf_counter()
    r = client.post(f"/v1/imports?mapping={mapping_id}", content=data)
    r.raise_for_status()
    job_id = r.json()["id"]
    while True:
        job = client.get(f"/v1/imports/{job_id}").json()
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.25)
    elapsed = time.perf_counter() - start
    if job["status"] != "succeeded":
        raise RuntimeError(f"import failed: {job['error']}")
    return elapsed, job["result"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000, help="answers per mode")
    parser.add_argument("--rounds", type=int, default=4, help="alternations of the two modes")
    parser.add_argument("--batch", type=int, default=1_000, help="items per batch request")
    parser.add_argument(
        "--batch-n", type=int, default=None, help="answers for the batch endpoint (default: --n)"
    )
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args()

    batch_n = args.batch_n or args.n
    # The same texts in both modes (different idempotency keys): in each round the batch
    # endpoint analyses the first batch_n/rounds of the texts that round imports.
    texts = feedback_answers(args.n, seed=7)
    lines: list[str] = []

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    with serve() as server:
        headers = server.headers
        client = httpx.Client(base_url=server.base, headers=headers, timeout=3600)
        mapping = client.post("/v1/connectors/mappings", json=MAPPING)
        mapping.raise_for_status()
        mapping_id = mapping.json()["id"]
        client.post(
            "/v1/answers/batch", json={"items": [{"text": f"warm up {i}"} for i in range(20)]}
        ).raise_for_status()
        cfg = Settings()
        say(
            f"# imports benchmark: {platform.platform()}, {os.cpu_count()} cpus, "
            f"python {platform.python_version()}, SQLite, one uvicorn worker"
        )
        say(
            f"# models: embedder={cfg.embedder} sentiment_embedder={cfg.sentiment_embedder} "
            f"threads={cfg.threads}; load average at start {os.getloadavg()[0]:.1f}"
        )
        say(
            f"# {args.n} answers imported, the first {batch_n} of the same texts through the "
            f"batch endpoint, batch={args.batch}, {args.rounds} alternating rounds; CSV with "
            "5 columns"
        )
        per_round = args.n // args.rounds
        batch_round = batch_n // args.rounds
        batch_s = import_s = 0.0
        last_file = b""
        created = 0
        for r in range(args.rounds):
            start = r * per_round
            part = texts[start : start + batch_round]
            batch_s += batch_round / run_batches(client, part, start, args.batch)
            data = csv_file(texts[start : start + per_round], start)
            elapsed, result = run_import(client, mapping_id, data)
            if result["failed"]:
                raise RuntimeError(f"import errors: {result['errors'][:3]}")
            import_s += elapsed
            created += result["created"]
            last_file = data
            say(
                f"round {r + 1}: batch {batch_round * (r + 1) / batch_s:.1f} answers/s so far, "
                f"import {created / import_s:.1f} answers/s so far "
                f"(load {os.getloadavg()[0]:.1f})"
            )
        batch_rate, import_rate = batch_round * args.rounds / batch_s, created / import_s
        again_s, again = run_import(client, mapping_id, last_file)
        batched = batch_round * args.rounds
        say(f"batch endpoint : {batch_rate:.1f} answers/s ({batched} answers, {batch_s:.0f} s)")
        say(f"CSV import job : {import_rate:.1f} answers/s ({created} answers, {import_s:.0f} s)")
        say(f"import / batch : {import_rate / batch_rate:.2f}")
        say(
            f"re-import of one round's file: {again['existing']} existing, {again['created']} "
            f"created, {per_round / again_s:.0f} answers/s (nothing analysed twice)"
        )
        say(f"# load average at the end {os.getloadavg()[0]:.1f} (2 cores shared with others)")
        client.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
