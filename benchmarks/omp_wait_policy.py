"""OpenMP wait policy A/B on the analysis pipeline: threads that spin (libgomp's default when
OMP_WAIT_POLICY is unset: ~300,000 spins before sleeping) against threads that sleep at once
(PASSIVE, the service's default since nlp_service/__init__.py sets it), in alternating
subprocesses so machine load hits both alike. `--short-spin` adds a third variant, libgomp's
default policy with GOMP_SPINCOUNT=10000 (spin a few microseconds, then sleep): on a quiet
machine it may keep spinning's single-answer latency without its cost under load.

    python -m benchmarks.omp_wait_policy [--rounds 2] [--n 128] [--singles 40] [--short-spin]

Per variant: `Pipeline.analyze_batch` answers/s and CPU ms per answer (batches of 64), then
single-answer `analyze` latency p50/p99 on ~20-word answers (what a lone request costs the
model thread). Writes benchmarks/results/omp_wait_policy.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "benchmarks" / "results" / "omp_wait_policy.txt"
VARIANTS = ("spin", "passive", "short-spin")


def child(variant: str, n: int, singles: int) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if variant in ("spin", "short-spin"):
        os.environ.pop("OMP_WAIT_POLICY", None)
        if variant == "short-spin":
            os.environ["GOMP_SPINCOUNT"] = "10000"
        import torch  # noqa: F401  (libgomp reads the policy now: unset, so it spins)
    else:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from benchmarks.corpus import feedback_answers
    from nlp_service.analysis.answer_input import AnswerInput
    from nlp_service.analysis.pipeline import Pipeline
    from nlp_service.config import Settings

    pipeline = Pipeline.from_settings(Settings())
    texts = feedback_answers(max(n, 2000))
    items = [AnswerInput.create(t) for t in texts[:n]]
    short = [" ".join(t.split()[:20]) for t in texts if len(t.split()) >= 18][:singles]
    pipeline.analyze_batch(items[:16])
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(0, n, 64):
        pipeline.analyze_batch(items[i : i + 64])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    latencies = []
    for text in short:
        start = time.perf_counter()
        pipeline.analyze(AnswerInput.create(text, "en"))
        latencies.append((time.perf_counter() - start) * 1000)
    print(
        json.dumps(
            {
                "variant": variant,
                "answers_per_s": n / wall,
                "cpu_ms_per_answer": cpu / n * 1000,
                "p50_ms": float(np.percentile(latencies, 50)),
                "p99_ms": float(np.percentile(latencies, 99)),
                "load": os.getloadavg()[0],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--n", type=int, default=128)
    parser.add_argument("--singles", type=int, default=40)
    parser.add_argument("--short-spin", action="store_true")
    parser.add_argument("--child", choices=VARIANTS)
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.n, args.singles)
        return
    lines = [
        f"# command: python -m benchmarks.omp_wait_policy {' '.join(sys.argv[1:])}".rstrip(),
        f"# start: load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}, "
        f"{os.cpu_count()} cpus",
    ]
    print("\n".join(lines), flush=True)
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    for _ in range(args.rounds):
        for variant in VARIANTS if args.short_spin else VARIANTS[:2]:
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.omp_wait_policy", "--child", variant,
                 "--n", str(args.n), "--singles", str(args.singles)],
                cwd=ROOT, env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
            r = json.loads(out.stdout.strip().splitlines()[-1])
            line = (
                f"{r['variant']:8s} analyze_batch {r['answers_per_s']:7.1f} answers/s, cpu "
                f"{r['cpu_ms_per_answer']:6.1f} ms/answer; single p50 {r['p50_ms']:8.1f} ms "
                f"p99 {r['p99_ms']:8.1f} ms (load {r['load']:.1f})"
            )
            print(line, flush=True)
            lines.append(line)
            args.out.write_text("\n".join(lines) + "\n")
    lines.append(f"# end: load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
