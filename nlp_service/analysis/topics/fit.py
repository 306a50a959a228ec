"""`fit_topics`: segment vectors (already computed by the pipeline) in, a TopicModel out.

1. cluster   k-means (compact, small corpora), UMAP + HDBSCAN (standard) or IncrementalPCA +
             MiniBatchKMeans (incremental, above the size limit)
2. centroids mean vector per cluster; near duplicates merged, capped at `max_themes`
3. refit     with a previous model, its centroids seed the fit and only clearly new clusters join
4. refine    spherical k-means steps; every segment within `outlier_threshold` of a centroid gets
             its nearest theme (BERTopic's reduce_outliers by embeddings), themes < min_size drop
5. describe  c-TF-IDF keywords, labels, examples, parents, per class and over time
6. stable ids matched one-to-one to the previous version's themes
Nothing is re-embedded; the same input and seed give the same themes."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import numpy as np

from nlp_service.analysis.topics import centroids as cen
from nlp_service.analysis.topics.clustering import (
    cluster_compact,
    cluster_incremental,
    cluster_standard,
)
from nlp_service.analysis.topics.ctfidf import fit_vectorizer, top_terms, vocabulary_array
from nlp_service.analysis.topics.describe import (
    Description,
    class_keywords,
    describe_parents,
    describe_themes,
    ranked_members,
)
from nlp_service.analysis.topics.keywords import coherent_keywords
from nlp_service.analysis.topics.matching import match_themes
from nlp_service.analysis.topics.model import TopicModel
from nlp_service.analysis.topics.params import TopicParams
from nlp_service.analysis.topics.structure import over_time, per_class
from nlp_service.analysis.topics.text import content_words
from nlp_service.analysis.topics.themes import (
    FitMetrics,
    FitMode,
    FitResult,
    ParentTheme,
    RetiredTheme,
    Theme,
    ThemeMapping,
    ThemeStatus,
)
from nlp_service.analysis.topics.validate import validate_inputs
from nlp_service.errors import InvalidInput

Progress = Callable[[float], None]


def _stage(progress: Progress | None, lo: float, hi: float) -> Progress:
    def report(fraction: float) -> None:
        if progress:
            progress(lo + (hi - lo) * min(max(fraction, 0.0), 1.0))

    return report


def _mode(n: int, params: TopicParams) -> FitMode:
    if n > params.incremental_above:
        return "incremental"
    return "compact" if n < params.compact_below else "standard"


def _initial_centroids(
    x: np.ndarray, params: TopicParams, mode: FitMode, progress: Progress
) -> tuple[np.ndarray, int]:
    if mode == "incremental":
        labels = cluster_incremental(x, params, progress)
    elif mode == "compact":
        labels = cluster_compact(x, params)
    else:
        labels = cluster_standard(x, params)
    progress(1.0)
    k = int(labels.max()) + 1
    cents, sizes = cen.means(x, labels, k)
    cents, sizes = cents[sizes > 0], sizes[sizes > 0]
    if len(cents):
        groups = cen.merge_close(cents, sizes, params.merge_similarity, params.max_themes)
        cents = cen.merged_centroids(cents, sizes, groups)
    return cents, int((labels < 0).sum())


def _final_centroids(
    x: np.ndarray, cents: np.ndarray, params: TopicParams, previous: TopicModel | None
) -> np.ndarray:
    pinned = np.zeros(len(cents), dtype=bool)
    if previous is not None and len(previous.centroids):
        # Seeded refit: the previous themes start where they were; a fresh cluster joins only
        # when no previous theme is already near it, so unchanged themes keep their place.
        # Codebook and seeded themes are pinned (they neither move nor drop, so their segments
        # are not handed to other themes) and a fresh cluster within `related_similarity` of one
        # is that theme, not a new one: a codebook prototype is a broad, bilingual sum, so a
        # cluster of answers about its theme sits at 0.63-0.89 of it (median 0.79, starter
        # codebook vs the gold answers of codebook_eval), mostly below `match_similarity`, while
        # no such cluster came closer than 0.63 to another theme's prototype. At 0.8 those
        # clusters became emergent duplicates ("hold" next to "Hotline reachability").
        old = previous.centroids
        protected = _protected(previous)
        if len(cents):
            near = np.where(protected, params.related_similarity, params.match_similarity)
            novel = ~((cents @ old.T) >= near).any(axis=1)
            cents = np.vstack([old, cents[novel]])
        else:
            cents = old
        pinned = np.concatenate([protected, np.zeros(len(cents) - len(old), dtype=bool)])
    args = (params.outlier_threshold, params.min_size)
    cents, kept = cen.refine(x, cents, *args, params.refine_iterations, pinned)
    pinned = pinned[kept]
    free = ~pinned
    if free.sum() > 1:
        _, sizes = cen.means(x, cen.nearest(x, cents, params.outlier_threshold)[0], len(cents))
        # A refit may grow the codebook by its new themes: capping it again would merge old
        # themes away just to make room, which is exactly the ID churn refits must avoid.
        cap = max(params.max_themes, int(free.sum())) if previous is not None else params.max_themes
        groups = cen.merge_close(cents[free], sizes[free], params.merge_similarity, cap)
        if groups.max() + 1 < free.sum():
            merged = cen.merged_centroids(cents[free], sizes[free], groups)
            cents = np.vstack([cents[pinned], merged])
            pinned = np.arange(len(cents)) < pinned.sum()
            cents, _ = cen.refine(x, cents, *args, 1, pinned)
    return cents


PROTECTED_SOURCES = ("codebook", "seeded")


def _protected(model: TopicModel) -> np.ndarray:
    return np.array([t.source in PROTECTED_SOURCES for t in model.themes_], dtype=bool)


def _keep_protected(
    cents: np.ndarray, previous: TopicModel | None, params: TopicParams
) -> np.ndarray:
    """Codebook and seeded themes are never dropped by a refit, however few of the tenant's
    segments they attract: one whose centroid did not survive (nothing in this fit is as similar
    as an ID match needs) comes back where it was, so it keeps its ID and label."""
    if previous is None:
        return cents
    protected = np.flatnonzero(_protected(previous))
    if not len(protected):
        return cents
    old = previous.centroids[protected]
    if len(cents):
        missing = (old @ cents.T).max(axis=1) < params.match_similarity
    else:
        missing = np.ones(len(protected), dtype=bool)
    return np.vstack([cents, old[missing]]) if missing.any() else cents


def _described(
    theme_id: int,
    d: Description,
    size: int,
    parent: int | None,
    past: tuple[str, ...],
    before: Theme | None,
) -> Theme:
    """A fitted theme: a codebook/seeded theme it continues keeps its labels, description and
    source (the researcher's codebook wins over generated labels); an emergent theme gets the
    generated labels, and is marked `new` for review when no earlier version had its ID."""
    if before is not None and before.source in PROTECTED_SOURCES:
        return Theme(theme_id, before.label, d.keywords, size, d.examples, parent, past,
                     labels=dict(before.labels), description=before.description,
                     source=before.source, status=before.status)  # fmt: skip
    status: ThemeStatus = "active" if before is not None and before.status == "active" else "new"
    return Theme(theme_id, d.label or f"theme {theme_id}", d.keywords, size, d.examples, parent,
                 past, labels=dict(d.labels), source="emergent", status=status)  # fmt: skip


def _version(created: datetime, cents: np.ndarray) -> str:
    digest = hashlib.sha1(np.ascontiguousarray(cents, dtype=np.float32).tobytes()).hexdigest()
    return f"{created:%Y%m%d-%H%M%S}-{digest[:6]}"


def fit_topics(
    texts: Sequence[str],
    embeddings: np.ndarray,
    *,
    languages: Sequence[str | None] | None = None,
    classes: Sequence[str | None] | None = None,
    timestamps: Sequence[datetime | None] | None = None,
    answers: Sequence[int] | np.ndarray | None = None,
    previous: TopicModel | None = None,
    params: TopicParams | None = None,
    embedder_id: str,
    progress: Progress | None = None,
    name: str = "topics",
) -> FitResult:
    """Fit themes on segment texts and their stored vectors (one row per segment). `answers`
    (the answer each segment comes from) lets the manifest count answers without a theme."""
    started = time.perf_counter()
    params = params or TopicParams()
    x = validate_inputs(texts, embeddings, languages, classes, timestamps, previous, params,
                        embedder_id)  # fmt: skip
    texts = list(texts)
    n = len(texts)
    answer_of = _answer_index(answers, n)
    mode = _mode(n, params)
    incremental = mode == "incremental"
    # Segments like "Ugh." or "Alles gut." carry no theme: they are assigned like any other
    # segment but do not shape the themes (otherwise they form clusters of interjections).
    thematic = content_words(texts) >= params.min_content_words
    fit_x = x[thematic] if thematic.sum() >= max(params.min_size, n // 4) else x
    report = _stage(progress, 0, 0.6)
    cents, initial_outliers = _initial_centroids(fit_x, params, mode, report)
    cents = _final_centroids(fit_x, cents, params, previous)
    cents = _keep_protected(cents, previous, params)
    if not len(cents):
        raise InvalidInput(
            f"no theme with at least min_size={params.min_size} similar segments among {n}: "
            "add answers or lower min_size",
            field="texts",
            code="no_themes",
        )
    _stage(progress, 0, 1)(0.7)

    # Order themes by size (largest first): fresh fits number their themes that way.
    index, sim = cen.nearest(x, cents, params.outlier_threshold)
    sizes = np.bincount(index[index >= 0], minlength=len(cents))
    order = np.lexsort((np.arange(len(cents)), -sizes))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    cents, sizes, index = cents[order], sizes[order], np.where(index >= 0, rank[index], -1)
    k = len(cents)

    vectorizer, counts = fit_vectorizer(
        texts, index, k, ngram_max=params.ngram_max, min_df=params.min_df, online=incremental,
        chunk_size=params.chunk_size, progress=_stage(progress, 0.7, 0.9),
    )  # fmt: skip
    vocab = vocabulary_array(vectorizer)
    candidates = top_terms(counts, vocab, max(params.keyword_candidates, params.n_keywords))
    keywords = coherent_keywords(texts, index, candidates, vectorizer, params.n_keywords,
                                 params.keyword_coherence, params.chunk_size)  # fmt: skip
    members = ranked_members(index, sim, k)
    descriptions = describe_themes(texts, members, keywords, params.n_examples, languages, sim)
    labels = [d.label for d in descriptions]
    if previous is not None:
        # Matching compares labels only for the mapping's record; a protected theme's label is
        # its codebook label, not the generated one.
        near = previous.centroids @ cents.T if len(cents) else np.zeros((0, 0))
        for row, t in enumerate(previous.themes_):
            if t.source in PROTECTED_SOURCES and near.shape[1]:
                labels[int(near[row].argmax())] = t.label

    created = datetime.now(UTC).replace(microsecond=0)
    version = _version(created, cents)
    if previous is not None:
        old_labels = [t.label for t in previous.themes_]
        matching = match_themes(cents, labels, previous.centroids, previous.ids, old_labels,
                                previous.next_id, params.match_similarity,
                                params.related_similarity)  # fmt: skip
        ids, next_id, entries = matching.ids, matching.next_id, matching.entries
    else:
        ids, next_id, entries = np.arange(k, dtype=np.int64), k, ()
    mapping = ThemeMapping(previous.version if previous else None, entries)

    parents = describe_parents(cents, counts, vocab, params.n_parents, params.n_keywords)
    history = {t.id: (*t.label_history, t.label) for t in previous.themes_} if previous else {}
    before_by_id = {t.id: t for t in previous.themes_} if previous else {}
    themes = []
    for i, d in enumerate(descriptions):
        past = history.get(int(ids[i]), ())
        past = past if not past or past[-1] != d.label else past[:-1]
        theme = _described(
            int(ids[i]),
            d,
            int(sizes[i]),
            int(parents.of_theme[i]),
            tuple(past),
            before_by_id.get(int(ids[i])) if previous is not None else None,
        )
        themes.append(theme)  # fmt: skip
    parent_list = [
        ParentTheme(p, parents.labels[p], tuple(parents.keywords[p]),
                    int(sizes[parents.of_theme == p].sum()),
                    tuple(int(ids[i]) for i in np.flatnonzero(parents.of_theme == p)))
        for p in range(len(parents.labels))
    ]  # fmt: skip
    retired = list(previous.retired) if previous else []
    retired += [
        RetiredTheme(e.old, e.old_label or "", version)
        for e in entries
        # retired and merged entries always carry the old id (see MappingEntry)
        if e.kind in ("retired", "merged") and e.old is not None
    ]
    _stage(progress, 0, 1)(0.95)

    stable = np.where(index >= 0, ids[np.maximum(index, 0)], -1)
    by_id = {t.id: t.label for t in themes}
    structure: dict[str, object] = {}
    if classes is not None:
        kw = class_keywords(texts, index, classes, k, vectorizer, counts, vocab, params.chunk_size)
        kw_by_id = {(c, int(ids[t])): w for (c, t), w in kw.items()}
        structure["per_class"] = per_class(stable, classes, by_id, kw_by_id)
    if timestamps is not None:
        bin_used, rows = over_time(stable, timestamps, by_id, params.time_bin)
        structure["over_time"] = {"bin": bin_used, "rows": rows}

    unassigned = int((index < 0).sum())
    n_answers = unassigned_answers = None
    if answer_of is not None:
        n_answers = len(np.unique(answer_of))
        unassigned_answers = n_answers - len(np.unique(answer_of[index >= 0]))
    metrics = FitMetrics(
        documents=n, themes=k, unassigned=unassigned,
        mode=mode,
        seconds=round(time.perf_counter() - started, 2), initial_outliers=initial_outliers,
        extra={"kept_share": mapping.kept_share()} if previous else {},
        answers=n_answers, unassigned_answers=unassigned_answers,
    )  # fmt: skip
    info = {
        "created": created.isoformat(),
        "documents": n,
        "unassigned": unassigned,
        "answers": n_answers,
        "unassigned_answers": unassigned_answers,
        "previous_version": previous.version if previous else None,
        "params": params.model_dump(),
        "metrics": metrics.to_dict(),
        "languages": _language_counts(languages),
    }
    model = TopicModel(
        name=name, version=version, embedder_id=embedder_id, centroids=cents, themes_=themes,
        threshold=params.outlier_threshold, parents=parent_list, retired=retired, next_id=next_id,
        mapping=mapping, info=info, structure=structure,
    )  # fmt: skip
    if progress:
        progress(1.0)
    return FitResult(model=model, mapping=mapping, metrics=metrics, labels=stable)


def _answer_index(answers: Sequence[int] | np.ndarray | None, n: int) -> np.ndarray | None:
    if answers is None:
        return None
    index = np.asarray(answers)
    if index.shape != (n,) or not np.issubdtype(index.dtype, np.integer):
        raise InvalidInput(f"answers must give one integer per segment ({n})", field="answers")
    return index


def _language_counts(languages: Sequence[str | None] | None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for lang in languages or ():
        counts[lang or "unknown"] = counts.get(lang or "unknown", 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))
