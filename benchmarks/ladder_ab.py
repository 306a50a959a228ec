"""Two code trees side by side, interleaved in one run: rung 3 (HTTP batch ingest, SQLite),
rung 5 (32 single-answer clients) and the single-answer latency at concurrency 1 of
`benchmarks.ladder`, for a change whose effect is smaller than a shared machine's noise.

    python -m benchmarks.ladder_ab --old /tmp/old-tree [--n 1000] [--rounds 3]
        [--out benchmarks/results/ladder_ab.txt]

Both servers (`nlp-service serve` from each tree, SQLite, no rate limit) run at once, each warmed
up; every round measures both, in alternating order, on the same answers (fresh external ids),
with the load average before each step. Printed per tree: the medians over rounds of batch
answers/s, single answers/s, their ratio (target >= 0.60), p99 at concurrency 1 (target
< 150 ms), the server's CPU ms per answer in both modes, the benchmark client's CPU ms per single
request, and the mean model batch and store group sizes (from /metrics) under 32 clients.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import concurrency  # noqa: E402
from benchmarks.concurrency import Server, cpu_seconds, run_batches, run_singles  # noqa: E402
from benchmarks.corpus import feedback_answers  # noqa: E402
from benchmarks.ladder import Report, latencies, load, twenty_word_answers  # noqa: E402


@contextlib.contextmanager
def tree_server(root: Path) -> Iterator[Server]:
    """`concurrency.serve` with the server's code (PYTHONPATH and cwd) from `root`."""
    saved = concurrency.ROOT
    concurrency.ROOT = root
    try:
        env = {"NLP_SERVICE_RATE_LIMIT": "", "NLP_SERVICE_METRICS_PUBLIC": "true"}
        with concurrency.serve(env, ready_timeout=600) as running:
            concurrency.ROOT = saved
            run_batches(running.base, running.headers, [f"warm {i}" for i in range(20)], 10, "w")
            yield running
    finally:
        concurrency.ROOT = saved


def sums(base: str, name: str) -> tuple[float, float]:
    text = httpx.get(f"{base}/metrics", timeout=30).text

    def value(suffix: str) -> float:
        m = re.search(rf"^{name}_{suffix} ([0-9.e+]+)$", text, re.M)
        return float(m.group(1)) if m else 0.0

    return value("sum"), value("count")


def mean_since(base: str, name: str, before: tuple[float, float]) -> float:
    after = sums(base, name)
    calls = after[1] - before[1]
    return (after[0] - before[0]) / calls if calls else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", type=Path, required=True, help="the other code tree")
    parser.add_argument("--n", type=int, default=1000, help="answers per step")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--latency-requests", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/ladder_ab.txt")
    args = parser.parse_args()
    report = Report(args.out)
    say = report.say
    say(f"# command: python -m benchmarks.ladder_ab {' '.join(sys.argv[1:])}")
    say(f"# new = {ROOT}, old = {args.old}; start {time.strftime('%Y-%m-%d %H:%M UTC')}")
    say(f"# start: {load()}")
    texts = feedback_answers(args.n)
    short = twenty_word_answers(texts, args.latency_requests)
    trees = {"old": args.old.resolve(), "new": ROOT}
    rows: dict[str, dict[str, list[float]]] = {name: {} for name in trees}

    def keep(name: str, key: str, value: float) -> None:
        rows[name].setdefault(key, []).append(value)

    with tree_server(trees["old"]) as old, tree_server(trees["new"]) as new:
        servers = {"old": old, "new": new}
        for r in range(args.rounds):
            order = ["old", "new"] if r % 2 == 0 else ["new", "old"]
            for name in order:
                s = servers[name]
                pid = s.proc.pid
                at = os.getloadavg()[0]
                cpu = cpu_seconds(pid)
                batch = run_batches(s.base, s.headers, texts, 100, f"b{r}")
                batch_cpu = (cpu_seconds(pid) - cpu) / len(texts) * 1000
                models, groups = (
                    sums(s.base, "nlp_model_batch_size"),
                    sums(s.base, "nlp_store_group_size"),
                )
                cpu, own = cpu_seconds(pid), time.process_time()
                single = asyncio.run(run_singles(s.base, s.headers, texts, args.clients, f"s{r}"))
                single_cpu = (cpu_seconds(pid) - cpu) / len(texts) * 1000
                client_cpu = (time.process_time() - own) / len(texts) * 1000
                model_mean = mean_since(s.base, "nlp_model_batch_size", models)
                group_mean = mean_since(s.base, "nlp_store_group_size", groups)
                lat = np.array(asyncio.run(latencies(s.base, s.headers, short, 1, f"l{r}")))
                p99 = float(np.percentile(lat, 99)) * 1000
                for key, value in (
                    ("batch", batch),
                    ("single", single),
                    ("ratio", single / batch),
                    ("p99", p99),
                    ("batch_cpu", batch_cpu),
                    ("single_cpu", single_cpu),
                    ("client_cpu", client_cpu),
                    ("model_batch", model_mean),
                    ("group", group_mean),
                ):
                    keep(name, key, value)
                say(
                    f"round {r + 1} {name}: load {at:.2f}  batch {batch:6.1f}/s  32 singles "
                    f"{single:6.1f}/s  ratio {single / batch:.2f}  p99@1 {p99:6.1f} ms  "
                    f"server cpu batch {batch_cpu:.1f} / single {single_cpu:.1f} ms/answer  "
                    f"client cpu {client_cpu:.1f} ms/request  model batch {model_mean:.1f}  "
                    f"store group {group_mean:.1f}"
                )
    say("medians over rounds:")
    for name in trees:
        m = {k: statistics.median(v) for k, v in rows[name].items()}
        say(
            f"  {name}: batch {m['batch']:6.1f}/s  singles {m['single']:6.1f}/s  ratio "
            f"{m['ratio']:.2f} (target >= 0.60)  p99@1 {m['p99']:.1f} ms (target < 150)  "
            f"server cpu {m['batch_cpu']:.1f} / {m['single_cpu']:.1f} ms/answer  client "
            f"{m['client_cpu']:.1f} ms/request  model batch {m['model_batch']:.1f}  store group "
            f"{m['group']:.1f}"
        )
    say(f"# end: {load()}")


if __name__ == "__main__":
    main()
