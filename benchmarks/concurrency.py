"""Throughput of single-answer requests under concurrency vs the batch endpoint, in one run.

    python benchmarks/concurrency.py [--n 1000] [--batch 100] [--clients 32]

Starts the real server (`nlp-service serve`, uvicorn, 127.0.0.1, free port) on a temporary data
folder (SQLite), creates a tenant key with the CLI, then on the same 1,000 answers measures:
  A. the batch endpoint: n/batch sequential POST /v1/answers/batch calls of `batch` items;
  B. `clients` concurrent clients each POSTing single answers to /v1/answers (httpx.AsyncClient).
The two modes alternate in `--rounds` rounds (n/rounds answers each) so load from other processes
on the machine hits both alike. Prints answers/s of both and B/A (the micro-batching goal:
>= 0.60), plus the mean model batch size the server formed in B (from /metrics). Writes the
output to benchmarks/results/concurrency.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import feedback_answers  # noqa: E402
from nlp_service.config import Settings  # noqa: E402

RESULT = ROOT / "benchmarks" / "results" / "concurrency.txt"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "nlp_service.cli", *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("server not ready in time")


@dataclass(frozen=True)
class Server:
    base: str  # http://127.0.0.1:<port>
    headers: dict[str, str]  # a fresh tenant's ingest key
    proc: subprocess.Popen[bytes]


@contextlib.contextmanager
def serve(
    env: Mapping[str, str] | None = None, db_url: str = "", ready_timeout: float = 180.0
) -> Iterator[Server]:
    """A running `nlp-service serve` (one uvicorn worker) on `db_url` (default: SQLite in a temp
    folder), with a new tenant holding an ingest key; `env` adds settings. The benchmarks share
    it, so each measures the same kind of server."""
    with tempfile.TemporaryDirectory(prefix="nlp-bench-") as tmp:
        full = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "NLP_SERVICE_DATA_DIR": tmp,
            "NLP_SERVICE_DATABASE_URL": db_url or f"sqlite:///{tmp}/nlp_service.db",
            "NLP_SERVICE_LOG_JSON": "true",
            **(env or {}),
        }
        full.pop("DATABASE_URL", None)
        name = f"bench-{uuid.uuid4().hex[:8]}"
        key = cli(full, "tenants", "create", name, "--roles", "ingest").strip().splitlines()[-1]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with open(Path(tmp) / "server.log", "wb") as log:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "nlp_service.cli",
                    "serve",
                    "--port",
                    base.rsplit(":", 1)[1],
                ],
                env=full,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_ready(base, proc, timeout=ready_timeout)
                yield Server(base, {"Authorization": f"Bearer {key}"}, proc)
            finally:
                proc.terminate()
                proc.wait(timeout=120)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (Linux /proc), to separate server from client cost."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def batch_sums(metrics: str) -> tuple[float, float]:
    def value(name: str) -> float:
        m = re.search(rf"^{name} ([0-9.e+]+)$", metrics, re.M)
        return float(m.group(1)) if m else 0.0

    return value("nlp_model_batch_size_sum"), value("nlp_model_batch_size_count")


def run_batches(
    base: str, headers: dict[str, str], texts: list[str], size: int, prefix: str = "batch"
) -> float:
    start = time.perf_counter()
    with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
        for i in range(0, len(texts), size):
            items = [
                {"external_id": f"{prefix}-{i + j}", "text": t, "language": "en"}
                for j, t in enumerate(texts[i : i + size])
            ]
            r = client.post("/v1/answers/batch", json={"items": items})
            r.raise_for_status()
            errors = [i["error"] for i in r.json()["items"] if i["status"] == "error"]
            if errors:
                raise RuntimeError(f"{len(errors)} batch items failed, e.g. {errors[0]}")
    return len(texts) / (time.perf_counter() - start)


async def run_singles(
    base: str, headers: dict[str, str], texts: list[str], clients: int, prefix: str = "single"
) -> float:
    queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
    for i, t in enumerate(texts):
        queue.put_nowait((i, t))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def worker(client: httpx.AsyncClient) -> None:
        while True:
            try:
                i, text = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            body = {"external_id": f"{prefix}-{i}", "text": text, "language": "en"}
            while True:
                r = await client.post("/v1/answers", json=body)
                if r.status_code != 503:
                    break
                await asyncio.sleep(float(r.headers.get("retry-after", "1")))
            r.raise_for_status()

    async with httpx.AsyncClient(
        base_url=base, headers=headers, timeout=600, limits=limits
    ) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000, help="answers per phase")
    parser.add_argument("--batch", type=int, default=100, help="items per batch request")
    parser.add_argument("--clients", type=int, default=32, help="concurrent single clients")
    parser.add_argument("--rounds", type=int, default=5, help="alternations of the two modes")
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args()

    texts = feedback_answers(args.n)
    lines: list[str] = []

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    # The model-batch figures come from /metrics, which needs a key unless it is public.
    with serve({"NLP_SERVICE_METRICS_PUBLIC": "true"}) as server:
        base, headers, proc = server.base, server.headers, server.proc
        # Warm-up outside the measurement (first calls compile/allocate).
        run_batches(base, headers, [f"warm up {i}" for i in range(20)], 10, "warm")
        say(
            f"# concurrency benchmark: {platform.platform()}, {os.cpu_count()} cpus, "
            f"python {platform.python_version()}, SQLite, one uvicorn worker"
        )
        cfg = Settings()
        say(
            f"# models: embedder={cfg.embedder} sentiment_embedder={cfg.sentiment_embedder} "
            f"threads={cfg.threads}; batching: max_size={cfg.batch_max_size} "
            f"max_wait_ms={cfg.batch_max_wait_ms} queue={cfg.queue_max_size}"
        )
        say(
            f"# {args.n} answers per mode (same texts), batch={args.batch}, "
            f"clients={args.clients}, {args.rounds} alternating rounds"
        )
        per_round = args.n // args.rounds
        batch_s = single_s = 0.0
        model_sum = model_calls = 0.0
        server_cpu = {"batch": 0.0, "single": 0.0}
        client_cpu = 0.0
        for r in range(args.rounds):
            part = texts[r * per_round : (r + 1) * per_round]
            cpu0 = cpu_seconds(proc.pid)
            batch_s += per_round / run_batches(base, headers, part, args.batch, f"b{r}")
            server_cpu["batch"] += cpu_seconds(proc.pid) - cpu0
            before = batch_sums(httpx.get(f"{base}/metrics").text)
            cpu0, own0 = cpu_seconds(proc.pid), time.process_time()
            rate = asyncio.run(run_singles(base, headers, part, args.clients, f"s{r}"))
            server_cpu["single"] += cpu_seconds(proc.pid) - cpu0
            client_cpu += time.process_time() - own0
            single_s += per_round / rate
            after = batch_sums(httpx.get(f"{base}/metrics").text)
            model_sum += after[0] - before[0]
            model_calls += after[1] - before[1]
        total = per_round * args.rounds
        batch_rate, single_rate = total / batch_s, total / single_s
        mean = model_sum / model_calls if model_calls else 0.0
        say(
            f"batch endpoint     ({total // args.batch} x {args.batch} items): "
            f"{batch_rate:8.1f} answers/s"
        )
        say(
            f"single answers     ({args.clients} concurrent clients): "
            f"{single_rate:8.1f} answers/s   (mean model batch {mean:.1f}, "
            f"{int(model_calls)} model calls)"
        )
        say(
            f"server CPU per answer: batch {server_cpu['batch'] / total * 1000:.1f} ms, "
            f"single {server_cpu['single'] / total * 1000:.1f} ms; benchmark client (httpx, "
            f"same machine) {client_cpu / total * 1000:.1f} ms per single request"
        )
        ratio = single_rate / batch_rate
        verdict = "OK" if ratio >= 0.6 else "BELOW TARGET"
        say(f"ratio single/batch: {ratio:.2f}  (target >= 0.60: {verdict})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
