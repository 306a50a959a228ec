"""Throughput of the analysis pipeline vs its raw encoders, measured in one run on the same texts.

    python -m benchmarks.analyze [--n 2000]
    python -m benchmarks.analyze --n 300 --before head:20261124-e5 --after head:20261126-e5-lora

Prints texts/s of each raw encoder on the whole answers, of both encoders together (what the
pipeline must at least pay), of `Pipeline.analyze_batch`, and the ratio pipeline / raw encoders.
With --before/--after: two pipelines that differ only in the sentiment model, timed on the same
answers in one run (alternating rounds, so a change in machine load hits both alike).
With --flags-before/--flags-after: the same for flag-model versions (heads or a fine-tuned
classifier; "" = rules only; several
after versions comma-separated), plus the texts and characters each encoder encodes.

    python -m benchmarks.analyze --n 150 --rounds 2 --flags-before 20261126-heads-use-v2 \
        --flags-after 20261126-heads-e5-v4,20261126-heads-e5-v5
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from benchmarks.corpus import feedback_answers
from nlp_service.analysis.answer_input import AnswerInput
from nlp_service.analysis.pipeline import Pipeline
from nlp_service.config import Settings


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def compare(
    before: str, after: str, n: int, batch: int, rounds: int = 3, before_embedder: str = "e5"
) -> None:
    texts = feedback_answers(n)
    items = [AnswerInput.create(t) for t in texts]
    chunks = [items[i : i + batch] for i in range(0, len(items), batch)]
    pipelines = {
        "before": Pipeline.from_settings(
            Settings(sentiment_model=before, sentiment_embedder=before_embedder)
        ),
        "after": Pipeline.from_settings(Settings(sentiment_model=after)),
    }
    seconds = dict.fromkeys(pipelines, 0.0)
    for p in pipelines.values():
        p.analyze_batch(items[:32])  # warm-up outside the clock
    for _ in range(rounds):
        for label, p in pipelines.items():
            seconds[label] += timed(lambda p=p: [p.analyze_batch(c) for c in chunks])
    settings = Settings()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, threads={settings.threads}")
    print(f"answers: {n} (mean {sum(map(len, texts)) / n:.0f} chars), batch {batch}, "
          f"{rounds} alternating rounds")  # fmt: skip
    for label, p in pipelines.items():
        sent = p.sentiment_embedder.id if p.sentiment_embedder is not None else "(reads texts)"
        rate = n * rounds / seconds[label]
        model = p.sentiment_model.id
        print(f"{label:6s} {model:28s} sentiment encoder {sent:40s} {rate:7.1f} texts/s")
    print(f"after / before throughput: {seconds['before'] / seconds['after']:.2f}x")


class _Counted:
    """An embedder wrapper that counts the texts and characters it encodes."""

    def __init__(self, inner) -> None:
        self.inner, self.id, self.dim = inner, inner.id, inner.dim
        self.texts = self.chars = 0

    def encode(self, texts):
        self.texts += len(texts)
        self.chars += sum(map(len, texts))
        return self.inner.encode(texts)


def _encoded(p: Pipeline, items: list[AnswerInput], batch: int) -> dict[str, tuple[int, int]]:
    """(texts, characters) each encoder of `p` encodes for `items`: one untimed pass with the
    encoders wrapped (the pipeline's own objects are restored afterwards)."""
    saved = (p.embedder, p.sentiment_embedder, list(p.flag_encoders))
    wrapped: dict[int, _Counted] = {}

    def wrap(e):
        return wrapped.setdefault(id(e), _Counted(e)) if e is not None else None

    p.embedder, p.sentiment_embedder = wrap(p.embedder), wrap(p.sentiment_embedder)
    p.flag_encoders = [wrap(e) for e in p.flag_encoders]
    try:
        for i in range(0, len(items), batch):
            p.analyze_batch(items[i : i + batch])
    finally:
        p.embedder, p.sentiment_embedder, p.flag_encoders = saved[0], saved[1], saved[2]
    return {c.id: (c.texts, c.chars) for c in wrapped.values()}


def compare_flags(before: str, afters: list[str], n: int, batch: int, rounds: int = 3) -> None:
    """Pipelines that differ only in their flag heads, alternating on the same answers; each
    `afters` version is compared with `before` (and the last with the others)."""
    texts = feedback_answers(n)
    items = [AnswerInput.create(t) for t in texts]
    chunks = [items[i : i + batch] for i in range(0, len(items), batch)]
    versions = [before, *afters]
    pipelines = {v: Pipeline.from_settings(Settings(flag_heads=v)) for v in versions}
    seconds = dict.fromkeys(pipelines, 0.0)
    for p in pipelines.values():
        p.analyze_batch(items[:32])  # warm-up outside the clock
    with open("/proc/loadavg") as f:
        load_start = f.read().strip()
    for _ in range(rounds):
        for label, p in pipelines.items():
            seconds[label] += timed(lambda p=p: [p.analyze_batch(c) for c in chunks])
    with open("/proc/loadavg") as f:
        load = f.read().strip()
    settings = Settings()
    segments = sum(len(a.segments) for a in pipelines[before].analyze_batch(items))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, threads={settings.threads}")
    print(f"load average at the start: {load_start}")
    print(f"load average at the end:   {load}")
    print(f"answers: {n} (mean {sum(map(len, texts)) / n:.0f} chars, {segments} segments), "
          f"batch {batch}, {rounds} alternating rounds")  # fmt: skip
    for label, p in pipelines.items():
        heads = p.flag_heads.version if p.flag_heads is not None else "(rules only)"
        units = p.flag_heads.units if p.flag_heads is not None else "-"
        reads = ", ".join(e.id for e in p.flag_encoders) or "-"
        if p.flag_classifier is not None:  # round 10: reads the answers with its own encoder
            heads, units = p.flag_classifier.version, "answers"
            reads = "its fine-tuned e5"
        rate = n * rounds / seconds[label]
        print(f"flag heads {heads:28s} units {units:9s} reading {reads:40s} {rate:6.1f} texts/s")
        for encoder, (count, chars) in _encoded(p, items, batch).items():
            print(f"    {encoder:45s} encodes {count:5d} texts, {chars:7d} chars")
    for after in afters:
        ratio = seconds[before] / seconds[after]
        print(f"{after} / {before} throughput: {ratio:.2f}x")
    last = afters[-1]
    for other in afters[:-1]:
        print(f"{last} / {other} throughput: {seconds[other] / seconds[last]:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=64, help="answers per analyze_batch call")
    parser.add_argument("--before", help="sentiment model spec, e.g. head:20261124-e5")
    parser.add_argument("--after", help="sentiment model spec to compare with --before")
    parser.add_argument("--before-embedder", default="e5", help="sentiment embedder of --before")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--flags-before", help="flag heads version ('' = rules only)")
    parser.add_argument(
        "--flags-after", help="flag heads version(s) to compare with, comma-separated"
    )
    args = parser.parse_args()
    if args.flags_before is not None and args.flags_after is not None:
        afters = args.flags_after.split(",")
        compare_flags(args.flags_before, afters, args.n, args.batch, args.rounds)
        return
    if args.before and args.after:
        compare(args.before, args.after, args.n, args.batch, args.rounds, args.before_embedder)
        return

    settings = Settings()
    pipeline = Pipeline.from_settings(settings)
    texts = feedback_answers(args.n)
    items = [AnswerInput.create(t) for t in texts]
    chunks = [items[i : i + args.batch] for i in range(0, len(items), args.batch)]
    text_chunks = [texts[i : i + args.batch] for i in range(0, len(texts), args.batch)]

    # Warm-up outside the clock (first calls allocate and load lazily).
    pipeline.analyze_batch(items[:32])

    def raw(embedder) -> None:
        for chunk in text_chunks:
            embedder.encode(chunk)

    def analyze() -> None:
        for chunk in chunks:
            pipeline.analyze_batch(chunk)

    encoders = [pipeline.embedder]
    second = pipeline.sentiment_embedder
    if second is not None and second is not pipeline.embedder:
        encoders.append(second)
    raw_seconds = {e.id: timed(raw, e) for e in encoders}
    pipe_seconds = timed(analyze)
    both = sum(raw_seconds.values())
    segments = sum(len(a.segments) for a in pipeline.analyze_batch(items[:200]))

    n = len(texts)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, threads={settings.threads}")
    print(
        f"answers: {n} (mean {sum(map(len, texts)) / n:.0f} chars; "
        f"{segments / 200:.2f} segments per answer), batch {args.batch}"
    )
    for eid, sec in raw_seconds.items():
        print(f"raw embedder {eid:45s} {n / sec:8.1f} texts/s (whole answers)")
    print(f"raw encoders together (the pipeline's model cost)   {n / both:8.1f} texts/s")
    print(f"Pipeline.analyze_batch (every step and head)        {n / pipe_seconds:8.1f} texts/s")
    print(f"ratio pipeline / raw encoders together: {both / pipe_seconds:.3f}  (target >= 0.85)")
    if len(encoders) > 1:
        use_only = raw_seconds[pipeline.embedder.id]
        print(
            f"throughput cost of the second (sentiment) encoder: raw {n / use_only:.1f} -> "
            f"{n / both:.1f} texts/s ({1 - use_only / both:.0%} less)"
        )
    print(
        "note: the pipeline encodes every segment (sentence/clause) once per encoder; "
        "the raw runs encode whole answers"
    )


if __name__ == "__main__":
    main()
