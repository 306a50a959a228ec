"""The throughput ladder, one run on the same answers: where does the time between the raw
models and a client's answer go?

    python -m benchmarks.ladder [--n 5000] [--skip-postgres] [--rungs 1,2,3,4,5,lat]
        [--out benchmarks/results/ladder.txt]

Rungs, each as answers/s and as a ratio of the raw encoders:
  1. raw encoders: every encoder on the whole answers, batches of 64 (what the models cost);
  2. `Pipeline.analyze_batch`: every step (redaction, language, segments, both encoders, heads,
     flags), batches of 64;
  3. HTTP batch ingest on SQLite: `nlp-service serve` (subprocess, loopback), sequential
     POST /v1/answers/batch of 100 items, stored;
  4. the same on PostgreSQL (a fresh database on 127.0.0.1:5432, dropped afterwards);
  5. 32 concurrent clients POSTing single answers (SQLite server), also as a ratio of rung 3.
Then single-answer latency p50/p95/p99 at concurrency 1, 8 and 32 on answers of about 20 words.
Targets: HTTP batch >= 0.70 of raw; 32 clients >= 0.60 of batch; p99 at concurrency 1 < 150 ms.
Rungs 1-4 also print CPU ms per answer (this process's for 1-2, the server's for 3-4, the client
excluded): on a shared machine they show where the time goes better than the rates do.
The load average is printed: on a shared machine the figures are a lower bound. `--rungs`
picks a subset (`lat` = the latency table; rung 5's ratio needs rung 3; 1-2 need no server).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.concurrency import cpu_seconds, run_batches, run_singles, serve  # noqa: E402
from benchmarks.corpus import feedback_answers  # noqa: E402
from nlp_service.analysis.answer_input import AnswerInput  # noqa: E402
from nlp_service.analysis.pipeline import Pipeline  # noqa: E402
from nlp_service.config import Settings  # noqa: E402

RESULT = ROOT / "benchmarks" / "results" / "ladder.txt"
POSTGRES_ADMIN_URL = os.environ.get(
    "NLP_SERVICE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


class Report:
    """Prints each line as it comes and keeps it for the result file (written after every
    rung, so an interrupted run still leaves what it measured)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.lines: list[str] = []

    def say(self, line: str) -> None:
        print(line, flush=True)
        self.lines.append(line)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.out.write_text("\n".join(self.lines) + "\n")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return (
        f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min), {os.cpu_count()} cpus"
    )


@contextlib.contextmanager
def server(db_url: str) -> Iterator[tuple[str, dict[str, str], int]]:
    """A running `nlp-service serve` on db_url, warmed up: (base URL, headers with a fresh key,
    the server's process id)."""
    # 32 clients on one key: measure the server, not a rate limit.
    with serve({"NLP_SERVICE_RATE_LIMIT": ""}, db_url, ready_timeout=600) as running:
        run_batches(running.base, running.headers, [f"warm up {i}" for i in range(20)], 10, "warm")
        yield running.base, running.headers, running.proc.pid


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"nlp_service_ladder_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


async def latencies(
    base: str, headers: dict[str, str], texts: list[str], clients: int, prefix: str
) -> list[float]:
    """Seconds per single-answer request, `clients` at a time (each sends one after another)."""
    queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
    for i, t in enumerate(texts):
        queue.put_nowait((i, t))
    out: list[float] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def worker(client: httpx.AsyncClient) -> None:
        while True:
            try:
                i, text = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            body = {"external_id": f"{prefix}-{i}", "text": text, "language": "en"}
            start = time.perf_counter()
            r = await client.post("/v1/answers", json=body)
            out.append(time.perf_counter() - start)
            r.raise_for_status()

    async with httpx.AsyncClient(
        base_url=base, headers=headers, timeout=600, limits=limits
    ) as client:
        await asyncio.gather(*(worker(client) for _ in range(clients)))
    return out


def per_answer(seconds: float, n: int) -> str:
    return f"{seconds / n * 1000:.1f} ms/answer"


def twenty_word_answers(texts: list[str], n: int) -> list[str]:
    """n answers of 18-22 words from the corpus (longer ones cut at 20 words), cycled."""
    picked = [t for t in texts if 18 <= len(t.split()) <= 22]
    picked += [" ".join(t.split()[:20]) for t in texts if len(t.split()) > 22]
    return [picked[i % len(picked)] for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000, help="answers for every rung")
    parser.add_argument("--batch", type=int, default=100, help="items per HTTP batch request")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--latency-requests", type=int, default=200, help="requests per concurrency level"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--rungs", default="1,2,3,4,5,lat", help="comma-separated subset of 1,2,3,4,5,lat"
    )
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args()
    rungs = {r.strip() for r in args.rungs.split(",") if r.strip()}
    if args.skip_postgres:
        rungs.discard("4")

    report = Report(args.out)
    say = report.say
    settings = Settings()
    texts = feedback_answers(args.n)
    n = len(texts)
    say(
        f"# ladder: {platform.platform()}, python {platform.python_version()}, "
        f"threads={settings.threads}; embedder={settings.embedder}, "
        f"sentiment_embedder={settings.sentiment_embedder}; batching max_size="
        f"{settings.batch_max_size} max_wait_ms={settings.batch_max_wait_ms}"
    )
    say(f"# command: python -m benchmarks.ladder {' '.join(sys.argv[1:])}".rstrip())
    say(f"# start: {load()}")
    busy_at_start = os.getloadavg()[0] >= 1.0  # another job was running when the run began
    say(f"# {n} answers (mean {sum(map(len, texts)) / n:.0f} chars), the same for every rung")

    raw = 0.0  # answers/s of rung 1; the other rungs' ratios to it need it
    if rungs & {"1", "2"}:
        raw = raw_rungs(settings, texts, rungs, say)
    ratio = (lambda rate: f"{rate / raw:.2f}") if raw else (lambda rate: "  - ")

    def batch_rung(title: str, base: str, headers: dict[str, str], pid: int) -> float:
        """Rungs 3 and 4: the texts in batch requests to one server; answers/s, printed."""
        cpu = cpu_seconds(pid)
        rate = run_batches(base, headers, texts, args.batch, "ladder-b")
        say(
            f"{f'{title} ({args.batch}/request)':<49}{rate:8.1f} answers/s   {ratio(rate)}  "
            f"(target >= 0.70; server cpu {per_answer(cpu_seconds(pid) - cpu, n)})"
        )
        return rate

    # 3, 5 and the latencies share one SQLite server; 4 runs on PostgreSQL.
    table: list[str] = []
    if rungs & {"3", "5", "lat"}:
        with server("") as (base, headers, pid):
            batch_sqlite = 0.0
            if "3" in rungs:
                batch_sqlite = batch_rung("3. HTTP batch ingest, SQLite", base, headers, pid)
            if "5" in rungs:
                singles = asyncio.run(run_singles(base, headers, texts, args.clients, "ladder-s"))
                of_batch = f"{singles / batch_sqlite:.2f}" if batch_sqlite else "-"
                say(
                    f"5. {args.clients} single-answer clients, SQLite         {singles:8.1f} "
                    f"answers/s   {ratio(singles)}  ({of_batch} of batch; target >= 0.60)"
                )
            if "lat" in rungs:
                table = latency_table(base, headers, texts, args.latency_requests)
    if "4" in rungs:
        with postgres_database() as url, server(url) as (base, headers, pid):
            batch_rung("4. HTTP batch ingest, PostgreSQL", base, headers, pid)
    if table:
        say("single-answer latency (SQLite server, one request after another per client):")
        for line in table:
            say(line)
    say(f"# end: {load()}")
    if busy_at_start:
        say(
            "# the machine was busy when this run started (1-min load >= 1); rerun on a quiet "
            "machine for figures to compare with the targets"
        )


def raw_rungs(
    settings: Settings, texts: list[str], rungs: set[str], say: Callable[[str], None]
) -> float:
    """Rungs 1 and 2 in this process; returns rung 1's answers/s (rung 1 runs whenever 2 does:
    it is what every other rung is a ratio of)."""
    n = len(texts)
    pipeline = Pipeline.from_settings(settings)
    items = [AnswerInput.create(t) for t in texts]
    pipeline.analyze_batch(items[:32])  # warm-up outside the clock
    # Every encoder the pipeline runs on the answers: the main one, the sentiment head's, one
    # only the flag heads read, a fine-tuned sentiment encoder that reads the texts itself
    # (sentiment round 9's default) and a fine-tuned flag classifier's (round 10), each once.
    names = {
        id(getattr(pipeline.sentiment_model, "e5", None)): "fine-tuned e5 of the sentiment model",
        id(getattr(pipeline.flag_classifier, "e5", None)): "fine-tuned e5 of the flag classifier",
    }
    candidates = [
        pipeline.embedder,
        pipeline.sentiment_embedder,
        *pipeline.flag_encoders,
        getattr(pipeline.sentiment_model, "e5", None),
        getattr(pipeline.flag_classifier, "e5", None),
    ]
    encoders: list = []
    for encoder in candidates:
        if encoder is not None and all(encoder is not e for e in encoders):
            encoders.append(encoder)
    raw_seconds = 0.0
    cpu = time.process_time()
    for encoder in encoders:
        start = time.perf_counter()
        for i in range(0, n, 64):
            encoder.encode(texts[i : i + 64])
        seconds = time.perf_counter() - start
        raw_seconds += seconds
        name = getattr(encoder, "id", names.get(id(encoder), "fine-tuned e5"))
        say(f"  raw {name:44s} {n / seconds:8.1f} texts/s")
    raw = n / raw_seconds
    say(
        f"1. raw encoders together                         {raw:8.1f} answers/s   1.00"
        f"  (cpu {per_answer(time.process_time() - cpu, n)})"
    )
    if "2" not in rungs:
        return raw
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(0, n, 64):
        pipeline.analyze_batch(items[i : i + 64])
    pipe = n / (time.perf_counter() - start)
    say(
        f"2. Pipeline.analyze_batch                        {pipe:8.1f} answers/s   {pipe / raw:.2f}"
        f"  (cpu {per_answer(time.process_time() - cpu, n)})"
    )
    return raw


def latency_table(base: str, headers: dict[str, str], texts: list[str], requests: int) -> list[str]:
    short = twenty_word_answers(texts, requests * 3)
    table: list[str] = []
    for level, clients in enumerate((1, 8, 32)):
        part = short[level * requests : (level + 1) * requests]
        lat = np.array(asyncio.run(latencies(base, headers, part, clients, f"lat{clients}")))
        p50, p95, p99 = (float(np.percentile(lat, q)) * 1000 for q in (50, 95, 99))
        note = (
            f"  (target p99 < 150 ms: {'OK' if p99 < 150 else 'NOT MET'})" if clients == 1 else ""
        )
        table.append(
            f"   concurrency {clients:2d}: p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
            f"p99 {p99:7.1f} ms  ({len(lat)} requests, ~20 words){note}"
        )
    return table


if __name__ == "__main__":
    main()
