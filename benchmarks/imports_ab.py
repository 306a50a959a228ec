"""Import throughput of this checkout vs another one (e.g. main before a change), in one run.

    python benchmarks/imports_ab.py --other /path/to/other/checkout [--n 500] [--rounds 4]
        [--worker]

Starts `nlp-service serve` (SQLite in a temporary folder, one uvicorn worker) from each
checkout, then alternates POST /v1/imports of fresh CSV files (n answers each, new ids, the same
texts for both) between them, so load from other processes on the shared machine hits both
alike; an import is timed from the upload to the job's `succeeded` (polled every 0.1 s).
`--worker` adds a third contender: this checkout with NLP_SERVICE_JOBS=worker and an
`nlp-service worker` process running the imports (its own pipeline, no micro-batcher).
Prints answers/s per contender and the ratios to the other checkout.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.concurrency import free_port, wait_ready  # noqa: E402
from benchmarks.corpus import feedback_answers  # noqa: E402
from benchmarks.imports import MAPPING, csv_file  # noqa: E402


@dataclass
class Contender:
    label: str
    base: str
    headers: dict[str, str]
    mapping_id: str = ""
    seconds: float = 0.0
    answers: int = 0


@contextlib.contextmanager
def started(label: str, root: Path, worker: bool = False) -> Iterator[Contender]:
    with tempfile.TemporaryDirectory(prefix="nlp-ab-") as tmp:
        env = {
            **os.environ,
            "PYTHONPATH": str(root),
            "NLP_SERVICE_DATA_DIR": tmp,
            "NLP_SERVICE_DATABASE_URL": f"sqlite:///{tmp}/nlp_service.db",
            "NLP_SERVICE_LOG_JSON": "true",
            "NLP_SERVICE_RATE_LIMIT": "",
        }
        env.pop("DATABASE_URL", None)
        if worker:
            env["NLP_SERVICE_JOBS"] = "worker"

        def cli(*args: str) -> str:
            return subprocess.run(
                [sys.executable, "-m", "nlp_service.cli", *args],
                env=env, cwd=root, check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip

        key = cli("tenants", "create", "ab", "--roles", "ingest").strip().splitlines()[-1]
        port = free_port()
        procs = []
        with open(Path(tmp) / "server.log", "wb") as log:
            command = [sys.executable, "-m", "nlp_service.cli", "serve", "--port", str(port)]
            procs.append(subprocess.Popen(command, env=env, cwd=root, stdout=log, stderr=log))
            if worker:
                command = [sys.executable, "-m", "nlp_service.cli", "worker", "--poll", "0.1"]
                procs.append(subprocess.Popen(command, env=env, cwd=root, stdout=log, stderr=log))
            try:
                wait_ready(f"http://127.0.0.1:{port}", procs[0], timeout=300)
                yield Contender(
                    label, f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key}"}
                )
            finally:
                for proc in procs:
                    proc.terminate()
                    proc.wait(timeout=120)


def timed_import(c: Contender, data: bytes) -> tuple[float, dict]:
    with httpx.Client(base_url=c.base, headers=c.headers, timeout=600) as client:
        start = time.perf_counter()
        r = client.post(f"/v1/imports?mapping={c.mapping_id}", content=data)
        r.raise_for_status()
        while (job := client.get(f"/v1/imports/{r.json()['id']}").json())["status"] not in (
            "succeeded",
            "failed",
        ):
            time.sleep(0.1)
        elapsed = time.perf_counter() - start
    if job["status"] != "succeeded" or job["result"]["failed"]:
        raise RuntimeError(f"{c.label}: import failed: {job['error'] or job['result']['errors']}")
    return elapsed, job["result"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--other", type=Path, required=True, help="the checkout to compare with")
    parser.add_argument("--n", type=int, default=500, help="answers per import")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--worker", action="store_true", help="also: a separate worker process")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    texts = feedback_answers(args.n * (args.rounds + 1), seed=11)
    lines: list[str] = []

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    with contextlib.ExitStack() as stack:
        contenders = [
            stack.enter_context(started("other", args.other)),
            stack.enter_context(started("this", ROOT)),
        ]
        if args.worker:
            contenders.append(stack.enter_context(started("this+worker", ROOT, worker=True)))
        for c in contenders:
            r = httpx.post(f"{c.base}/v1/connectors/mappings", json=MAPPING, headers=c.headers)
            r.raise_for_status()
            c.mapping_id = r.json()["id"]
            timed_import(c, csv_file(texts[: args.n], 0))  # warm-up (a worker loads its models)
        say(
            f"# imports A/B: {args.n} answers per import, {args.rounds} alternating rounds, "
            f"SQLite; load average at start {os.getloadavg()[0]:.1f}"
        )
        for r in range(1, args.rounds + 1):
            data = csv_file(texts[r * args.n : (r + 1) * args.n], r * args.n)
            order = contenders if r % 2 else contenders[::-1]
            for c in order:
                elapsed, result = timed_import(c, data)
                c.seconds += elapsed
                c.answers += result["created"]
            say(
                f"round {r}: "
                + ", ".join(f"{c.label} {c.answers / c.seconds:.1f} answers/s" for c in contenders)
                + f" (load {os.getloadavg()[0]:.1f})"
            )
        other = contenders[0]
        for c in contenders[1:]:
            rate, base = c.answers / c.seconds, other.answers / other.seconds
            say(f"{c.label} / other: {rate / base:.2f} ({rate:.1f} vs {base:.1f} answers/s)")
        say(f"# load average at the end {os.getloadavg()[0]:.1f} (2 cores shared with others)")
    if args.out is not None:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
