"""Researcher insights: the use case behind `/v1/insights/*` and `nlp-service insights ...`.

    catalog = ThemeCatalog.from_topic_model(model)          # labels, keywords, parents, new ids
    out = themes(session, tenant_id, catalog, InsightsQuery(touchpoint="hotline"), sort="impact")

Reads plain columns through `store.insights`, computes with the pure `nlp_service.insights`
package and returns the response models of `schemas_insights`. The theme catalog is a plain
argument so it does not matter where topic models live.

Which KPI: the `kpi_type` filter, else the type most answers in the selection carry. Answers of
other types count for volume and sentiment only.

Labels: `lang` (de | en) picks each theme's label in that language (codebook themes carry both),
defaulting to the `language` filter, else the theme's default label.

Cost (what is kept, what is recomputed): `tenant_data` keeps all of a tenant's answers (a few
scalar columns, hidden ones marked) and their (answer, theme) pairs in memory, tagged with the
tenant's data version (store/versions.py: bumped by every insert, moderation decision, replaced
answer or reassignment). A request reads the version (one primary-key lookup); when it moved, only
the answers stamped with a newer version are read and merged in, so the first request after new
answers or a decision reads a handful of rows, not 100,000. Filters are applied in numpy
(`AnswerColumns.mask`), each view's statistics are vectorised over the pairs (per-theme work is
proportional to the theme's answers, the KPI without a theme comes from subtracted totals) and
cached per (tenant, data version, catalog, filters).

A process's first request, and the first after a refit that moved most answers' themes, do not
read everything either: the tenant's columns are kept as a compressed snapshot in the database
(store/snapshots.py), tagged with the data version they were read at. The refit job writes it
right after activating its version (`refresh_snapshot`), and a reader that had to read
everything, or topped up a snapshot more than SNAPSHOT_BEHIND answers behind, rewrites it in a
background thread. Such a reader loads the snapshot and reads only the answers stamped after
it, with the same rule as a held copy (`_most_changed`), so a snapshot is never served as
current: it is always brought to the current data version first, and when it is too far
behind (or an answer was deleted) everything is read. Every process (API replicas, worker)
shares it through the database.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol, TypeVar

import numpy as np
import structlog
from scipy import sparse
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from nlp_service.errors import InvalidInput, NotFound
from nlp_service.insights import drivers as drv
from nlp_service.insights.emerging import benjamini_hochberg, two_proportion_increase
from nlp_service.insights.impact import nps_impact, priority, removal_impact_from_totals
from nlp_service.insights.scores import (
    CSAT_TOP2_FROM,
    Interval,
    KpiTotals,
    MeanSummary,
    NpsSummary,
    SentimentSummary,
    kpi_value,
    mean_t,
    nps,
    sentiment_split,
)
from nlp_service.insights.trends import Granularity, period_label, period_starts
from nlp_service.schemas_insights import (
    DriverModel,
    DriverOut,
    DriverTerm,
    EmergingOut,
    EmergingTheme,
    Filters,
    KpiBucket,
    KpiSummary,
    MeanOut,
    NpsOut,
    Overall,
    OverallKpi,
    ParentRef,
    Period,
    Priority,
    QuoteOut,
    QuotePage,
    SentimentSplit,
    ThemeDetailOut,
    ThemeRef,
    ThemesOut,
    ThemeStat,
    TouchpointRow,
    TouchpointsOut,
    Trend,
    TrendPoint,
    TrendsOut,
)
from nlp_service.schemas_insights import Interval as IntervalOut
from nlp_service.store.entries import EntryFilter
from nlp_service.store.insights import (
    KPI_CODES,
    AnswerColumns,
    InsightsRepository,
    QuoteRow,
    ThemeLinks,
    to_us,
)
from nlp_service.store.snapshots import SnapshotRepository

log = structlog.get_logger("nlp_service.insights")

KPI_TYPES = ("nps", "csat", "ces")
LABEL_LANGUAGES = ("de", "en")
Sort = Literal["impact", "volume", "sentiment"]
DEFAULT_QUOTES = 5
DEFAULT_MIN_DRIVER = 10
TOP_THEMES = 3
OUTCOME = {
    "nps": "KPI score on its scale (NPS 0-10)",
    "csat": "KPI score on its scale (CSAT 1-5)",
    "ces": "KPI score on its scale (CES 1-7)",
}
PRIORITY_RULE = (
    "priority = answers with the KPI at the touchpoint / answers with the KPI overall "
    "* max(0, overall KPI - touchpoint KPI): the overall KPI points (NPS points or scale-mean "
    "points) the touchpoint costs, i.e. how far the overall KPI would rise if it scored the "
    "overall level; touchpoints at or above the overall level get 0; ties by answers."
)


# --- inputs -------------------------------------------------------------------------------
@dataclass(frozen=True)
class InsightsQuery:
    """The filters every insights view takes (`from` / `to` bound submitted_at, to exclusive)."""

    touchpoint: str | None = None
    survey_id: str | None = None
    question_id: str | None = None
    language: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    kpi_type: str | None = None

    def __post_init__(self) -> None:
        if self.kpi_type is not None and self.kpi_type not in KPI_TYPES:
            raise InvalidInput(
                f"kpi_type must be one of {', '.join(KPI_TYPES)}, got {self.kpi_type!r}",
                field="kpi_type",
            )
        if self.since and self.until and _utc(self.since) >= _utc(self.until):
            raise InvalidInput("`from` must be before `to`", field="from")

    def entry_filter(self, touchpoint: str | None = None) -> EntryFilter:
        return EntryFilter(
            touchpoint=touchpoint if touchpoint is not None else self.touchpoint,
            language=self.language,
            since=self.since,
            until=self.until,
            survey_id=self.survey_id,
            question_id=self.question_id,
            kpi_type=self.kpi_type,
        )

    def echo(self) -> Filters:
        return Filters.model_validate(
            {
                "touchpoint": self.touchpoint,
                "survey_id": self.survey_id,
                "question_id": self.question_id,
                "language": self.language,
                "from": self.since,
                "to": self.until,
                "kpi_type": self.kpi_type,
            }
        )

    def label_language(self, lang: str | None) -> str | None:
        """The language theme labels are shown in: `lang` (de | en) when given, else the
        `language` filter, else None (each theme's default label)."""
        if lang is None:
            return self.language
        if lang not in LABEL_LANGUAGES:
            raise InvalidInput(
                f"lang must be one of {', '.join(LABEL_LANGUAGES)}, got {lang!r}", field="lang"
            )
        return lang


@dataclass(frozen=True)
class ThemeInfo:
    id: int
    label: str
    keywords: tuple[str, ...] = ()
    parent: int | None = None
    labels: tuple[tuple[str, str], ...] = ()  # (language, label), e.g. codebook themes' de / en

    def label_in(self, language: str | None) -> str:
        """The label in `language` when the theme has one, else the default label."""
        return dict(self.labels).get(language or "", self.label)


@dataclass(frozen=True)
class ParentInfo:
    id: int
    label: str
    children: tuple[int, ...]

    def label_in(self, language: str | None) -> str:
        return self.label  # parent themes have one label


class TopicModelLike(Protocol):
    version: str

    def themes(self) -> list[Any]: ...


@dataclass(frozen=True)
class ThemeCatalog:
    """What the insights need from a tenant's topic model, as plain data."""

    version: str | None = None
    themes: tuple[ThemeInfo, ...] = ()
    parents: tuple[ParentInfo, ...] = ()
    new_ids: frozenset[int] = frozenset()

    @classmethod
    def from_topic_model(cls, model: TopicModelLike | None) -> ThemeCatalog:
        if model is None:
            return cls()
        themes = tuple(
            ThemeInfo(
                int(t.id),
                str(t.label),
                tuple(t.keywords),
                t.parent,
                tuple(sorted((str(k), str(v)) for k, v in getattr(t, "labels", {}).items())),
            )
            for t in model.themes()
        )
        parents = tuple(
            ParentInfo(int(p.id), str(p.label), tuple(int(c) for c in p.children))
            for p in getattr(model, "parents", ())
        )
        mapping = getattr(model, "mapping", None)
        new = frozenset(mapping.ids("new")) if mapping is not None else frozenset()
        return cls(str(model.version), themes, parents, new)

    @functools.cached_property
    def _by_id(self) -> dict[int, ThemeInfo]:
        return {t.id: t for t in self.themes}

    def info(self, theme_id: int) -> ThemeInfo:
        # A theme missing from the catalog: one of an earlier version still on stored sentences.
        return self._by_id.get(theme_id) or ThemeInfo(theme_id, f"theme {theme_id}")

    def label(self, theme_id: int, language: str | None) -> str:
        return self.info(theme_id).label_in(language)

    def has(self, theme_id: int) -> bool:
        return theme_id in self._by_id

    def parent(self, parent_id: int | None) -> ParentInfo | None:
        return next((p for p in self.parents if p.id == parent_id), None)

    def resolve(self, ref: str, field_name: str) -> tuple[ThemeInfo | ParentInfo, list[int]]:
        """A theme id ("12"), a parent theme ("p3") or a label in any of its languages ->
        (description, theme ids)."""
        text = ref.strip()
        if re.fullmatch(r"[pP]\d+", text):
            parent = self.parent(int(text[1:]))
            if parent is None:
                raise NotFound(f"parent theme {text!r} not found", field=field_name)
            return parent, list(parent.children)
        if re.fullmatch(r"-?\d+", text):
            theme = self._by_id.get(int(text))
        else:
            wanted = text.lower()
            theme = next((t for t in self.themes if t.label.lower() == wanted), None) or next(
                (t for t in self.themes if any(v.lower() == wanted for _, v in t.labels)), None
            )
        if theme is None:
            raise NotFound(f"theme {text!r} is not in the tenant's themes", field=field_name)
        return theme, [theme.id]


# --- small caches -------------------------------------------------------------------------
T = TypeVar("T")


class TableCache:
    """A thread-safe LRU of computed values (at most `maxsize`)."""

    def __init__(self, maxsize: int = 32) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def get_or_make(self, key: Any, make: Callable[[], T]) -> T:
        found = self.get(key)
        if found is not None:
            return found
        value = make()
        self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# Computed views (small), keyed on the tenant's data version, catalog, filters and options.
CACHE = TableCache(maxsize=64)
# Per-filter selections and theme tables (arrays as large as the selection: few of them).
TABLES = TableCache(maxsize=8)
# Each tenant's answers and (answer, theme) pairs, kept up to date by data version.
DATA = TableCache(maxsize=16)
_LOADING: dict[str, threading.Lock] = {}
# Changed answers merged into the held copy (their pairs read by answer); above this (and a
# tenth of the answers), everything is read again, which is cheaper than that many lookups.
MAX_DELTA = 5_000
# A snapshot that a reader had to top up with more changed answers than this is rewritten.
SNAPSHOT_BEHIND = 1_000
_LOADING_LOCK = threading.Lock()
# Snapshots noticed far behind are written here, off the request (one at a time).
_SNAPSHOT_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="insights-snapshot")


def _cached(cache: TableCache | None, key: tuple[Any, ...], make: Callable[[], T]) -> T:
    return make() if cache is None else cache.get_or_make(key, make)


def _tables(cache: TableCache | None) -> TableCache | None:
    """Where a view's selections and tables go: nowhere when the view is not cached."""
    return None if cache is None else TABLES


def clear_caches(data: bool = True) -> None:
    """Forget computed views and tables (and, with `data`, the tenants' answers in memory)."""
    CACHE.clear()
    TABLES.clear()
    if data:
        DATA.clear()


# --- helpers ------------------------------------------------------------------------------
def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _interval(iv: Interval | None) -> IntervalOut | None:
    return IntervalOut(low=iv.low, high=iv.high) if iv is not None else None


def _nps_out(s: NpsSummary | None) -> NpsOut | None:
    if s is None:
        return None
    return NpsOut(
        n=s.n,
        score=s.score,
        promoters=s.promoters,
        passives=s.passives,
        detractors=s.detractors,
        interval=_interval(s.interval),
    )


def _mean_out(s: MeanSummary | None) -> MeanOut | None:
    if s is None:
        return None
    return MeanOut(n=s.n, mean=s.mean, interval=_interval(s.interval), top2box=s.top2box)


def _split(s: SentimentSummary) -> SentimentSplit:
    return SentimentSplit(positive=s.positive, neutral=s.neutral, negative=s.negative, net=s.net)


def _typed_scores(ans: AnswerColumns, idx: np.ndarray, kpi_type: str) -> np.ndarray:
    scores = ans.kpi_score[idx]
    keep = ans.kpi_code[idx] == KPI_CODES[kpi_type]
    return scores[keep & ~np.isnan(scores)]


def kpi_summary(ans: AnswerColumns, idx: np.ndarray | None = None) -> KpiSummary:
    idx = np.arange(len(ans)) if idx is None else idx
    return KpiSummary(
        nps=_nps_out(nps(_typed_scores(ans, idx, "nps"))),
        csat=_mean_out(mean_t(_typed_scores(ans, idx, "csat"), CSAT_TOP2_FROM)),
        ces=_mean_out(mean_t(_typed_scores(ans, idx, "ces"))),
    )


def choose_kpi(ans: AnswerColumns, requested: str | None) -> str | None:
    if requested is not None:
        return requested
    counts = np.bincount(ans.kpi_code.astype(np.int64), minlength=len(KPI_CODES) + 1)
    if counts[1:].sum() == 0:
        return None
    # Most answers; ties broken by the fixed order nps, csat, ces.
    return max(KPI_TYPES, key=lambda k: (counts[KPI_CODES[k]], -KPI_TYPES.index(k)))


def _kpi_mask(ans: AnswerColumns, kpi_type: str | None) -> np.ndarray:
    if kpi_type is None:
        return np.zeros(len(ans), dtype=bool)
    return (ans.kpi_code == KPI_CODES[kpi_type]) & ~np.isnan(ans.kpi_score)


def _kpi_of(kpi_type: str | None, scores: np.ndarray) -> tuple[float | None, Interval | None]:
    if kpi_type is None or len(scores) == 0:
        return None, None
    if kpi_type == "nps":
        s = nps(scores)
        return (s.score, s.interval) if s else (None, None)
    m = mean_t(scores)
    return (m.mean, m.interval) if m else (None, None)


def _positions(seq: np.ndarray, links_seq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row index in the ascending `seq` of every link (and a mask of links whose answer is
    there)."""
    if len(seq) == 0:
        return np.zeros(len(links_seq), dtype=np.int64), np.zeros(len(links_seq), dtype=bool)
    pos = np.minimum(np.searchsorted(seq, links_seq), len(seq) - 1)
    return pos, seq[pos] == links_seq


# --- the tenant's answers in memory -------------------------------------------------------
@dataclass
class TenantData:
    """All of a tenant's answers (hidden ones marked) ordered by seq, their (answer, theme)
    pairs and each pair's row in `answers`, as of data version `version`."""

    version: int
    answers: AnswerColumns
    links: ThemeLinks
    pos: np.ndarray

    @classmethod
    def of(cls, version: int, answers: AnswerColumns, links: ThemeLinks) -> TenantData:
        pos, ok = _positions(answers.seq, links.seq)
        if not ok.all():  # pairs of posts (the full read takes every sentence of the tenant)
            links, pos = links.take(ok), pos[ok]
        return cls(version, answers, links, pos)

    def merge(self, version: int, answers: AnswerColumns, links: ThemeLinks) -> TenantData:
        """These data with the changed `answers` (and all their pairs) replacing their rows;
        `answers` and `links` ordered by seq. New answers (usually at the end) are inserted in
        seq order, known ones overwritten in place; no full sort. Nothing changed (a version
        bumped by a change that touched no answer): the same arrays, relabelled."""
        if len(answers) == 0 and len(links) == 0:
            return TenantData(version, self.answers, self.links, self.pos)
        held = self.answers
        at = np.searchsorted(held.seq, answers.seq)
        known = at < len(held)
        known[known] = held.seq[at[known]] == answers.seq[known]
        merged = held.replaced(at[known], answers.take(np.flatnonzero(known)))
        fresh = answers.take(np.flatnonzero(~known))
        if len(fresh):
            merged = merged.inserted(np.searchsorted(merged.seq, fresh.seq), fresh)
        # Pairs: drop every pair of the changed answers, insert their current ones in place.
        lo = np.searchsorted(self.links.seq, answers.seq, side="left")
        hi = np.searchsorted(self.links.seq, answers.seq, side="right")
        keep = np.ones(len(self.links), dtype=bool)
        for start, end in zip(lo[hi > lo].tolist(), hi[hi > lo].tolist(), strict=True):
            keep[start:end] = False
        kept = self.links.take(keep) if not keep.all() else self.links
        pairs = kept.inserted(np.searchsorted(kept.seq, links.seq, side="right"), links)
        return TenantData.of(version, merged, pairs)


def _tenant_lock(tenant_id: str) -> threading.Lock:
    with _LOADING_LOCK:
        return _LOADING.setdefault(tenant_id, threading.Lock())


def _most_changed(total: int) -> int:
    """The rule for a copy (held in memory or a snapshot) of `total` answers: with at most this
    many changed answers it is topped up (those answers and their pairs are read), with more
    everything is read again."""
    return max(MAX_DELTA, total // 10)


def _changed(repo: InsightsRepository, base_version: int, total: int) -> int | None:
    """How many entries changed after `base_version`, or None when too many (counted no
    further: a refit's 100,000 are not counted)."""
    limit = _most_changed(total)
    changed = repo.changed_count(base_version, at_most=limit + 1)
    return changed if changed <= limit else None


def _read_all(repo: InsightsRepository, version: int) -> TenantData:
    return TenantData.of(version, repo.answers_since(None), repo.links(None))


def _caught_up(
    repo: InsightsRepository, base: TenantData, version: int, counted: bool = False
) -> TenantData | None:
    """`base` with the answers changed after its version merged in, as of `version` (or
    base's own when newer); None when too many changed or an answer was deleted. The version
    is read before the changes, so a change committed in between is read now and again next
    time: merging is idempotent. `counted`: the caller checked how many changed."""
    if not counted and _changed(repo, base.version, len(base.answers)) is None:
        return None
    delta = repo.answers_since(base.version)
    data = base.merge(max(version, base.version), delta, repo.links(delta.seq))
    if len(data.answers) != repo.answer_count():  # an answer was deleted
        return None
    return data


def _from_snapshot(
    session: Session, repo: InsightsRepository, version: int, newer_than: int
) -> TenantData | None:
    """The tenant's stored snapshot brought to `version`, when there is one newer than
    `newer_than` and close enough (`_most_changed`); rewritten in the background when it was
    more than SNAPSHOT_BEHIND answers behind."""
    snapshots = SnapshotRepository(session, repo.tenant_id)
    info = snapshots.info()
    if info is None or info.version <= newer_than:
        return None
    changed = _changed(repo, info.version, info.answers)
    if changed is None:
        return None
    stored = snapshots.load(info.version)
    if stored is None:  # replaced since `info`: the next reader takes the new one
        return None
    data = _caught_up(repo, TenantData.of(info.version, *stored), version, counted=True)
    if data is not None and changed > SNAPSHOT_BEHIND:
        _write_later(session, repo.tenant_id, data)
    return data


def _save(sessions: Callable[[], Session], tenant_id: str, data: TenantData) -> bool:
    try:
        with sessions() as session, session.begin():
            return SnapshotRepository(session, tenant_id).save(
                data.version, data.answers, data.links
            )
    except SQLAlchemyError as exc:  # a cache: the readers read everything instead
        log.warning("insights_snapshot_not_written", tenant=tenant_id, error=str(exc))
        return False


def _write_later(session: Session, tenant_id: str, data: TenantData) -> None:
    bind = session.get_bind()
    if isinstance(bind, Engine):
        _SNAPSHOT_WRITER.submit(_save, functools.partial(Session, bind), tenant_id, data)


def wait_for_snapshot_writes() -> None:
    """Block until the snapshots queued so far are written (tests, benchmarks, shutdown)."""
    _SNAPSHOT_WRITER.submit(lambda: None).result()


def refresh_snapshot(sessions: sessionmaker[Session], tenant_id: str) -> int | None:
    """Read all of the tenant's columns, store them as the tenant's snapshot and replace this
    process's copy of the tenant if it holds one (an API process running the worker); returns
    the data version written (None when one as new was there or the write failed). The refit
    job calls it after activating a version that moved the answers' themes, so that no reader
    has to read everything."""
    with sessions() as session:
        repo = InsightsRepository(session, tenant_id)
        data = _read_all(repo, repo.data_version())
    with _tenant_lock(tenant_id):
        held: TenantData | None = DATA.get(tenant_id)
        if held is not None and held.version < data.version:  # this process serves it
            DATA.put(tenant_id, data)
    return data.version if _save(sessions, tenant_id, data) else None


def refresh_snapshot_if_behind(sessions: sessionmaker[Session], tenant_id: str) -> int | None:
    """`refresh_snapshot` when the tenant has no snapshot or it is more than SNAPSHOT_BEHIND
    answers behind (the rule a reader rewrites it by), else nothing (None). The import job calls
    it: a small import leaves the readers a cheap top-up, a big one would make them read
    everything."""
    with sessions() as session:
        info = SnapshotRepository(session, tenant_id).info()
        if info is not None:
            repo = InsightsRepository(session, tenant_id)
            if repo.changed_count(info.version, at_most=SNAPSHOT_BEHIND + 1) <= SNAPSHOT_BEHIND:
                return None
    return refresh_snapshot(sessions, tenant_id)


def tenant_data(session: Session, tenant_id: str, cache: TableCache | None = DATA) -> TenantData:
    """The tenant's answers and pairs at its current data version: from memory when nothing
    changed (one primary-key read), else the held copy with the changed answers merged in
    (reads only those), else the stored snapshot brought up to date the same way, else
    everything (the snapshot is then rewritten in the background). Without a cache: always
    everything, straight from the answers (the reference the tests compare with)."""
    repo = InsightsRepository(session, tenant_id)
    version = repo.data_version()
    if cache is None:
        return _read_all(repo, version)
    held: TenantData | None = cache.get(tenant_id)
    if held is not None and held.version == version:
        return held
    with _tenant_lock(tenant_id):  # one refresh per tenant at a time; the others reuse it
        held = cache.get(tenant_id)
        if held is not None and held.version >= version:
            return held
        data = _caught_up(repo, held, version) if held is not None else None
        if data is None:
            newer_than = held.version if held is not None else -1
            data = _from_snapshot(session, repo, version, newer_than)
        if data is None:  # no copy close enough: read everything
            data = _read_all(repo, version)
            _write_later(session, tenant_id, data)
        cache.put(tenant_id, data)
        return data


# --- one filter's selection, grouped per theme --------------------------------------------
@dataclass
class ThemeRow:
    id: int
    rows: np.ndarray  # indices into the answers
    signs: np.ndarray  # the theme's sentiment in each of those answers
    pairs: np.ndarray | None = None  # the rows' indices in `links` (for their sentences)
    links: ThemeLinks | None = None

    @property
    def segments(self) -> np.ndarray | None:
        """Each answer's sentence closest to the theme centre (read when quotes are picked)."""
        if self.links is None or self.links.segment is None or self.pairs is None:
            return None
        return self.links.segment[self.pairs]

    @property
    def confidence(self) -> np.ndarray | None:
        """And its cosine to the centre."""
        if self.links is None or self.links.confidence is None or self.pairs is None:
            return None
        return self.links.confidence[self.pairs]


@dataclass
class Columns:
    """Everything the views read for one (tenant, filters): the visible answers matching the
    filters, their (answer, theme) pairs, each pair's row in `answers`, and the pairs grouped
    per theme."""

    answers: AnswerColumns
    links: ThemeLinks
    pos: np.ndarray
    rows: dict[int, ThemeRow]


def _group(links: ThemeLinks, pos: np.ndarray) -> dict[int, ThemeRow]:
    """Pairs per theme (slices of one stable sort by theme, so answers stay in seq order); only
    the answers' rows and signs are gathered, sentences when a view asks for them."""
    if len(links) == 0:
        return {}
    if links.theme.min() >= 0 and links.theme.max() < 2**15:
        # A 16-bit key takes numpy's radix sort, and counting gives the bounds: linear.
        key = links.theme.astype(np.int16)
        order = np.argsort(key, kind="stable")
        counts = np.bincount(key)
        ids = np.flatnonzero(counts)
        ends = np.cumsum(counts[ids])
    else:
        order = np.argsort(links.theme, kind="stable")
        theme = links.theme[order]
        cut = np.flatnonzero(np.diff(theme)) + 1
        ids, ends = theme[np.r_[0, cut]], np.r_[cut, len(theme)]
    sign, at = links.sign[order], pos[order]
    out: dict[int, ThemeRow] = {}
    start = 0
    for theme_id, end in zip(ids.tolist(), ends.tolist(), strict=True):
        out[theme_id] = ThemeRow(theme_id, at[start:end], sign[start:end], order[start:end], links)
        start = end
    return out


def select_columns(data: TenantData, query: InsightsQuery) -> Columns:
    keep = data.answers.mask(query.entry_filter())
    answers = data.answers.take(keep)
    linked = keep[data.pos]
    new_row = np.cumsum(keep) - 1  # old row -> row in the selection
    links, pos = data.links.take(linked), new_row[data.pos[linked]]
    return Columns(answers, links, pos, _group(links, pos))


def load_columns(
    session: Session, tenant_id: str, query: InsightsQuery, cache: TableCache | None = CACHE
) -> Columns:
    data = tenant_data(session, tenant_id, DATA if cache is not None else None)
    return _columns(tenant_id, data, query, cache)


def _columns(
    tenant_id: str, data: TenantData, query: InsightsQuery, cache: TableCache | None
) -> Columns:
    key = ("columns", tenant_id, data.version, query)
    return _cached(_tables(cache), key, lambda: select_columns(data, query))


# --- the per-theme table ------------------------------------------------------------------
@dataclass
class ThemeTable:
    answers: AnswerColumns
    kpi_type: str | None
    kpi_mask: np.ndarray
    rows: dict[int, ThemeRow]
    without_theme: int
    fit: drv.DriverFit | None
    min_driver: int
    stats: dict[int, ThemeStat] = field(default_factory=dict)

    @functools.cached_property
    def totals(self) -> KpiTotals:
        return KpiTotals.of(self.answers.kpi_score[self.kpi_mask])

    @functools.cached_property
    def overall_kpi(self) -> float | None:
        return self.totals.value(self.kpi_type) if self.kpi_type else None


def _fit_drivers(
    ans: AnswerColumns, kpi_mask: np.ndarray, rows: dict[int, ThemeRow], min_count: int
) -> drv.DriverFit | None:
    kpi_rows = np.flatnonzero(kpi_mask)
    if len(kpi_rows) < 3 or not rows:
        return None
    where = np.full(len(ans), -1)
    where[kpi_rows] = np.arange(len(kpi_rows))
    ids = sorted(rows)
    # All themes' answers at once: column j = ids[j], split by the theme's sign in the answer.
    at = where[np.concatenate([rows[t].rows for t in ids])]
    signs = np.concatenate([rows[t].signs for t in ids])
    column = np.repeat(np.arange(len(ids)), [len(rows[t].rows) for t in ids])
    shape = (len(kpi_rows), len(ids))

    def indicator(negative: bool) -> sparse.csc_matrix:
        keep = (at >= 0) & ((signs < 0) if negative else (signs >= 0))
        return sparse.csc_matrix((np.ones(int(keep.sum())), (at[keep], column[keep])), shape=shape)

    return drv.fit_drivers(
        ans.kpi_score[kpi_rows], ids, indicator(True), indicator(False), min_count
    )


def _term(t: drv.Term) -> DriverTerm:
    return DriverTerm(
        coef=t.coef, interval=_interval(t.interval), p_value=t.p_value, n=t.n, too_few=t.too_few
    )


def _theme_stat(
    table: ThemeTable, catalog: ThemeCatalog, info: ThemeInfo | ParentInfo, row: ThemeRow | None
) -> ThemeStat:
    """One theme's figures; the work is proportional to the theme's answers (the KPI without
    the theme comes from the overall totals minus the theme's)."""
    ans, kpi_type = table.answers, table.kpi_type
    rows = row.rows if row is not None else np.zeros(0, dtype=np.int64)
    signs = row.signs if row is not None else np.zeros(0, dtype=np.int8)
    theme_scores = ans.kpi_score[rows[table.kpi_mask[rows]]]
    value, iv = _kpi_of(kpi_type, theme_scores)
    removal = (
        removal_impact_from_totals(kpi_type, table.totals, KpiTotals.of(theme_scores))
        if kpi_type and len(theme_scores)
        else None
    )
    n_impact = None
    if kpi_type == "nps":
        n_impact = nps_impact(len(theme_scores), value, table.overall_kpi, table.totals.n)
    driver = None
    fitted = table.fit.drivers.get(info.id) if table.fit and isinstance(info, ThemeInfo) else None
    if fitted is not None:
        driver = DriverOut(
            **_term(fitted.effect).model_dump(),
            negative=_term(fitted.negative),
            other=_term(fitted.other),
        )
    parent = None
    if isinstance(info, ThemeInfo) and info.parent is not None:
        p = catalog.parent(info.parent)
        parent = ParentRef(id=p.id, label=p.label) if p else None
    keywords = list(info.keywords) if isinstance(info, ThemeInfo) else []
    return ThemeStat(
        id=info.id,
        label=info.label,
        keywords=keywords,
        parent=parent,
        count=len(rows),
        share=len(rows) / len(ans) if len(ans) else 0.0,
        sentiment=_split(sentiment_split(signs)),
        kpi_type=kpi_type,
        nps=value if kpi_type == "nps" else None,
        kpi_mean=value if kpi_type in ("csat", "ces") else None,
        interval=_interval(iv),
        removal_impact=removal,
        nps_impact=n_impact,
        driver=driver,
        quotes=[],
    )


def _labelled(stat: ThemeStat, catalog: ThemeCatalog, language: str | None) -> ThemeStat:
    """`stat` with its label in `language` (tables are computed once, labelled per request)."""
    label = catalog.label(stat.id, language) if catalog.has(stat.id) else stat.label
    return stat if label == stat.label else stat.model_copy(update={"label": label})


def theme_table(
    session: Session,
    tenant_id: str,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    min_driver: int = DEFAULT_MIN_DRIVER,
    cache: TableCache | None = CACHE,
) -> ThemeTable:
    data = tenant_data(session, tenant_id, DATA if cache is not None else None)
    return _theme_table(tenant_id, data, catalog, query, min_driver, cache)


def _theme_table(
    tenant_id: str,
    data: TenantData,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    min_driver: int,
    cache: TableCache | None,
) -> ThemeTable:
    def make() -> ThemeTable:
        cols = _columns(tenant_id, data, query, cache)
        ans, rows = cols.answers, cols.rows
        kpi_type = choose_kpi(ans, query.kpi_type)
        mask = _kpi_mask(ans, kpi_type)
        covered = np.zeros(len(ans), dtype=bool)
        covered[cols.pos] = True
        fit = _fit_drivers(ans, mask, rows, min_driver)
        table = ThemeTable(ans, kpi_type, mask, rows, int((~covered).sum()), fit, min_driver)
        ids = [t.id for t in catalog.themes] + sorted(t for t in rows if not catalog.has(t))
        for theme_id in ids:
            table.stats[theme_id] = _theme_stat(
                table, catalog, catalog.info(theme_id), rows.get(theme_id)
            )
        return table

    key = ("table", tenant_id, data.version, catalog, query, min_driver)
    return _cached(_tables(cache), key, make)


def _driver_model(table: ThemeTable) -> DriverModel | None:
    if table.fit is None or table.kpi_type is None:
        return None
    return DriverModel(
        n=table.fit.n,
        r_squared=table.fit.r_squared,
        min_count=table.fit.min_count,
        terms=table.fit.terms,
        covariance="HC3",
        outcome=OUTCOME[table.kpi_type],
    )


def _quote(q: QuoteRow) -> QuoteOut:
    return QuoteOut(
        answer_id=q.answer_id,
        text=q.text,
        sentiment=q.sentiment,
        confidence=q.confidence,
        language=q.language,
        touchpoint=q.touchpoint,
        submitted_at=q.submitted_at,
        kpi_score=q.kpi_score,
    )


def _sort(stats: Iterable[ThemeStat], sort: Sort) -> list[ThemeStat]:
    """impact: largest |removal impact| first; volume: most answers; sentiment: most negative
    net sentiment first. Ties by answers, then id."""
    items = list(stats)
    if sort == "volume":
        return sorted(items, key=lambda s: (-s.count, s.id))
    if sort == "sentiment":
        return sorted(items, key=lambda s: (s.sentiment.net, -s.count, s.id))
    return sorted(
        items,
        key=lambda s: (s.removal_impact is None, -abs(s.removal_impact or 0.0), -s.count, s.id),
    )


def _overall(table: ThemeTable) -> OverallKpi:
    return OverallKpi(
        kpi=kpi_summary(table.answers), sentiment=_split(sentiment_split(table.answers.sentiment))
    )


# --- the views ----------------------------------------------------------------------------
def themes(
    session: Session,
    tenant_id: str,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    sort: Sort = "impact",
    quotes: int = DEFAULT_QUOTES,
    min_driver: int = DEFAULT_MIN_DRIVER,
    include_empty: bool = False,
    cache: TableCache | None = CACHE,
    lang: str | None = None,
) -> ThemesOut:
    language = query.label_language(lang)
    data = tenant_data(session, tenant_id, DATA if cache is not None else None)
    key = ("themes", tenant_id, data.version, catalog, query, sort, quotes, min_driver)
    return _cached(
        cache,
        (*key, include_empty, language),
        lambda: _themes(
            session,
            tenant_id,
            data,
            catalog,
            query,
            sort,
            quotes,
            min_driver,
            include_empty,
            language,
            cache,
        ),
    )


def _themes(
    session: Session,
    tenant_id: str,
    data: TenantData,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    sort: Sort,
    quotes: int,
    min_driver: int,
    include_empty: bool,
    language: str | None,
    cache: TableCache | None,
) -> ThemesOut:
    table = _theme_table(tenant_id, data, catalog, query, min_driver, cache)
    stats = [s for s in table.stats.values() if include_empty or s.count > 0]
    ordered = [_labelled(s, catalog, language) for s in _sort(stats, sort)]
    if quotes > 0 and ordered:
        # The most central sentence of each (answer, theme) pair is in the loaded columns: pick
        # each theme's best `quotes` there and fetch only those sentences' texts.
        best: dict[int, list[int]] = {}
        for stat in ordered:
            row = table.rows.get(stat.id)
            segments = None if row is None else row.segments
            confidence = None if row is None else row.confidence
            if segments is None or confidence is None:
                continue
            if len(confidence) > quotes:
                top = np.argpartition(-confidence, quotes - 1)[:quotes]
                # Highest confidence first, ties by the lower segment id (a stable order).
                top = top[np.lexsort((segments[top], -confidence[top]))]
            else:
                top = np.lexsort((segments, -confidence))
            best[stat.id] = segments[top].tolist()
        texts = InsightsRepository(session, tenant_id).quotes_by_segment(
            [sid for ids in best.values() for sid in ids]
        )
        ordered = [
            s.model_copy(
                update={"quotes": [_quote(texts[i]) for i in best.get(s.id, []) if i in texts]}
            )
            for s in ordered
        ]
    return ThemesOut(
        kpi_type=table.kpi_type,
        filters=query.echo(),
        sort=sort,
        answers=len(table.answers),
        answers_with_kpi=int(table.kpi_mask.sum()),
        answers_without_theme=table.without_theme,
        overall=_overall(table),
        driver_model=_driver_model(table),
        themes=ordered,
    )


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["o"]
        if not isinstance(value, int) or value < 0:
            raise ValueError
        return value
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidInput("cursor is not one this API returned", field="quote_cursor") from None


def _union_row(rows: dict[int, ThemeRow], ids: list[int]) -> ThemeRow | None:
    """The answers carrying any of `ids` (one theme, or a parent theme's children): an answer
    is negative if any is negative."""
    parts = [rows[i] for i in ids if i in rows]
    if len(parts) <= 1:
        return parts[0] if parts else None
    at = np.concatenate([p.rows for p in parts])
    signs = np.concatenate([p.signs for p in parts]).astype(np.int16)
    order = np.lexsort((signs, at))  # per answer its lowest sign first
    at, signs = at[order], signs[order]
    first = np.ones(len(at), dtype=bool)
    first[1:] = at[1:] != at[:-1]
    starts = np.flatnonzero(first)
    low, high = signs[first], np.maximum.reduceat(signs, starts)
    return ThemeRow(-1, at[first], np.where(low < 0, -1, high).astype(np.int8))


def _trend_points(
    ans: AnswerColumns,
    kpi_type: str | None,
    row: ThemeRow | None,
    interval: Granularity,
    whole: bool,
) -> list[TrendPoint]:
    """Per period: all answers, answers counted (with the theme, or all when `whole`), their
    share, net sentiment (the theme's, or the answers') and KPI."""
    if len(ans) == 0:
        return []
    periods, period_of = np.unique(period_starts(ans.day, interval), return_inverse=True)
    k = len(periods)
    if whole:
        rows, signs = np.arange(len(ans)), ans.sentiment
    elif row is None:
        rows, signs = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8)
    else:
        rows, signs = row.rows, row.signs
    totals = np.bincount(period_of, minlength=k)
    p = period_of[rows]
    counts = np.bincount(p, minlength=k)
    positive = np.bincount(p, weights=signs > 0, minlength=k)
    negative = np.bincount(p, weights=signs < 0, minlength=k)
    mask = _kpi_mask(ans, kpi_type)
    scored = rows[mask[rows]]
    # The counted answers with the KPI, grouped per period (a stable sort keeps them in order).
    scored = scored[np.argsort(period_of[scored], kind="stable")]
    bounds = np.searchsorted(period_of[scored], np.arange(k + 1))
    points = []
    for i, start in enumerate(periods):
        n = int(counts[i])
        scores = ans.kpi_score[scored[bounds[i] : bounds[i + 1]]]
        value, _ = _kpi_of(kpi_type, scores)
        net = None
        if n:
            net = 100 * (float(positive[i] / n) - float(negative[i] / n))
        points.append(
            TrendPoint(
                period=period_label(start, interval),
                start=datetime.fromisoformat(str(start)).replace(tzinfo=UTC),
                answers=int(totals[i]),
                count=n,
                share=n / int(totals[i]) if totals[i] else 0.0,
                net_sentiment=net,
                kpi=value,
                kpi_n=len(scores),
            )
        )
    return points


def theme_detail(
    session: Session,
    tenant_id: str,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    theme_ref: str,
    interval: Granularity = "week",
    quote_cursor: str | None = None,
    quote_limit: int = 20,
    min_driver: int = DEFAULT_MIN_DRIVER,
    cache: TableCache | None = CACHE,
    lang: str | None = None,
) -> ThemeDetailOut:
    language = query.label_language(lang)
    info, ids = catalog.resolve(theme_ref, "id")
    offset = _offset(quote_cursor)
    data = tenant_data(session, tenant_id, DATA if cache is not None else None)
    key = ("theme", tenant_id, data.version, catalog, query, tuple(ids), info.id, interval)
    return _cached(
        cache,
        (*key, offset, quote_limit, min_driver, language),
        lambda: _theme_detail(
            session,
            tenant_id,
            data,
            catalog,
            query,
            info,
            ids,
            interval,
            offset,
            quote_limit,
            min_driver,
            language,
            cache,
        ),
    )


def _theme_detail(
    session: Session,
    tenant_id: str,
    data: TenantData,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    info: ThemeInfo | ParentInfo,
    ids: list[int],
    interval: Granularity,
    offset: int,
    quote_limit: int,
    min_driver: int,
    language: str | None,
    cache: TableCache | None,
) -> ThemeDetailOut:
    table = _theme_table(tenant_id, data, catalog, query, min_driver, cache)
    repo = InsightsRepository(session, tenant_id)
    if isinstance(info, ParentInfo):
        row = _union_row(table.rows, ids)
        stat = _theme_stat(table, catalog, info, row)
        children = _sort([table.stats[i] for i in ids if i in table.stats], "impact")
    else:
        row = table.rows.get(info.id)
        stat = table.stats.get(info.id) or _theme_stat(table, catalog, info, row)
        children = []
    f = query.entry_filter()
    # One read for the top quotes and the page: the page is the ranking from `offset` on.
    ranked = repo.quotes(f, ids, max(DEFAULT_QUOTES, offset + quote_limit + 1), 0)
    top, page = ranked[:DEFAULT_QUOTES], ranked[offset : offset + quote_limit + 1]
    stat = stat.model_copy(
        update={"label": info.label_in(language), "quotes": [_quote(q) for q in top]}
    )
    distribution: list[KpiBucket] = []
    if table.kpi_type is not None and row is not None:
        scores = table.answers.kpi_score[row.rows][table.kpi_mask[row.rows]]
        values, counts = np.unique(scores, return_counts=True)
        distribution = [
            KpiBucket(score=float(v), count=int(c)) for v, c in zip(values, counts, strict=True)
        ]
    return ThemeDetailOut(
        kpi_type=table.kpi_type,
        filters=query.echo(),
        answers=len(table.answers),
        answers_with_kpi=int(table.kpi_mask.sum()),
        answers_without_theme=table.without_theme,
        overall=_overall(table),
        driver_model=_driver_model(table),
        theme=stat,
        children=[_labelled(c, catalog, language) for c in children],
        trend=Trend(
            interval=interval,
            points=_trend_points(table.answers, table.kpi_type, row, interval, whole=False),
        ),
        kpi_distribution=distribution,
        quotes=QuotePage(
            items=[_quote(q) for q in page[:quote_limit]],
            next_cursor=_cursor(offset + quote_limit) if len(page) > quote_limit else None,
        ),
    )


def trends(
    session: Session,
    tenant_id: str,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    theme: str | None = None,
    interval: Granularity = "week",
    cache: TableCache | None = CACHE,
    lang: str | None = None,
) -> TrendsOut:
    language = query.label_language(lang)
    data = tenant_data(session, tenant_id, DATA if cache is not None else None)
    return _cached(
        cache,
        ("trends", tenant_id, data.version, catalog, query, theme, interval, language),
        lambda: _trends(tenant_id, data, catalog, query, theme, interval, language, cache),
    )


def _trends(
    tenant_id: str,
    data: TenantData,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    theme: str | None,
    interval: Granularity,
    language: str | None,
    cache: TableCache | None,
) -> TrendsOut:
    ref: ParentRef | None = None
    ids: list[int] = []
    if theme is not None:
        try:
            info, ids = catalog.resolve(theme, "theme")
        except NotFound as exc:  # a filter, not a path: a bad value is a 422
            raise InvalidInput(exc.message, field="theme") from None
        ref = ParentRef(id=info.id, label=info.label_in(language))
    cols = _columns(tenant_id, data, query, cache)
    ans = cols.answers
    kpi_type = choose_kpi(ans, query.kpi_type)
    row = _union_row(cols.rows, ids) if ids else None
    points = _trend_points(ans, kpi_type, row, interval, whole=theme is None)
    return TrendsOut(
        kpi_type=kpi_type,
        filters=query.echo(),
        theme=ref,
        interval=interval,
        points=points,
    )


def touchpoints(
    session: Session,
    tenant_id: str,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    cache: TableCache | None = CACHE,
    lang: str | None = None,
) -> TouchpointsOut:
    language = query.label_language(lang)
    data = tenant_data(session, tenant_id, DATA if cache is not None else None)
    return _cached(
        cache,
        ("touchpoints", tenant_id, data.version, catalog, query, language),
        lambda: _touchpoints(tenant_id, data, catalog, query, language, cache),
    )


def _top_themes(
    catalog: ThemeCatalog,
    language: str | None,
    theme_ids: np.ndarray,
    count: np.ndarray,
    positive: np.ndarray,
    negative: np.ndarray,
) -> tuple[list[ThemeRef], list[ThemeRef]]:
    """A touchpoint's top positive and negative themes (net sentiment x answers) from its
    per-theme answer counts and positive / negative counts."""
    present = np.flatnonzero(count)
    n = count[present]
    net = 100 * (positive[present] / n - negative[present] / n)
    refs = [
        ThemeRef(
            id=int(theme_ids[j]),
            label=catalog.label(int(theme_ids[j]), language),
            count=int(c),
            net_sentiment=float(v),
        )
        for j, c, v in zip(present.tolist(), n.tolist(), net.tolist(), strict=True)
    ]
    top_positive = sorted(
        (r for r in refs if r.net_sentiment > 0),
        key=lambda r: (-r.net_sentiment * r.count, r.id),
    )[:TOP_THEMES]
    top_negative = sorted(
        (r for r in refs if r.net_sentiment < 0),
        key=lambda r: (r.net_sentiment * r.count, r.id),
    )[:TOP_THEMES]
    return top_positive, top_negative


def _touchpoints(
    tenant_id: str,
    data: TenantData,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    language: str | None,
    cache: TableCache | None,
) -> TouchpointsOut:
    cols = _columns(tenant_id, data, query, cache)
    ans, links = cols.answers, cols.links
    kpi_type = choose_kpi(ans, query.kpi_type)
    mask = _kpi_mask(ans, kpi_type)
    overall_value = kpi_value(kpi_type, ans.kpi_score[mask]) if kpi_type else None
    total_kpi = int(mask.sum())
    present, group = np.unique(ans.touchpoint, return_inverse=True)
    names = [ans.text(int(c)) for c in present]
    # Per (touchpoint, theme): answers, positive and negative ones, in one pass over the pairs.
    theme_ids, theme_of = np.unique(links.theme, return_inverse=True)
    k = max(len(theme_ids), 1)
    cell = group[cols.pos] * k + theme_of
    size = len(names) * k
    count = np.bincount(cell, minlength=size).reshape(len(names), k)
    positive = np.bincount(cell, weights=links.sign > 0, minlength=size).reshape(len(names), k)
    negative = np.bincount(cell, weights=links.sign < 0, minlength=size).reshape(len(names), k)
    by_group = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[by_group], np.arange(len(names) + 1))
    rows: list[tuple[TouchpointRow, float, int]] = []
    for g, tp in enumerate(names):
        idx = by_group[bounds[g] : bounds[g + 1]]
        sub = ans.take(idx)
        top_positive, top_negative = _top_themes(
            catalog, language, theme_ids, count[g], positive[g], negative[g]
        )
        tp_scores = ans.kpi_score[idx][mask[idx]]
        tp_value = kpi_value(kpi_type, tp_scores) if kpi_type else None
        score, gap = priority(len(tp_scores), total_kpi, tp_value, overall_value)
        rows.append(
            (
                TouchpointRow(
                    touchpoint=tp,
                    answers=len(idx),
                    share=len(idx) / len(ans),
                    kpi=kpi_summary(sub),
                    sentiment=_split(sentiment_split(sub.sentiment)),
                    top_positive_themes=top_positive,
                    top_negative_themes=top_negative,
                    priority=Priority(score=score, rank=0, kpi_gap=gap),
                ),
                score,
                len(idx),
            )
        )
    rows.sort(key=lambda r: (-r[1], -r[2], r[0].touchpoint or ""))
    ranked = [
        r[0].model_copy(update={"priority": r[0].priority.model_copy(update={"rank": i})})
        for i, r in enumerate(rows, start=1)
    ]
    return TouchpointsOut(
        kpi_type=kpi_type,
        filters=query.echo(),
        overall=Overall(
            answers=len(ans), kpi=kpi_summary(ans), sentiment=_split(sentiment_split(ans.sentiment))
        ),
        priority_rule=PRIORITY_RULE,
        touchpoints=ranked,
    )


_DURATION = re.compile(r"^(\d{1,4})([dw])$")


def _count_by(themes: np.ndarray) -> dict[int, int]:
    ids, counts = np.unique(themes, return_counts=True)
    return dict(zip(ids.tolist(), counts.tolist(), strict=True))


def parse_days(value: str, field_name: str) -> int:
    match = _DURATION.match(value.strip().lower())
    if not match or int(match.group(1)) == 0:
        raise InvalidInput(
            f"{field_name} must look like 7d or 12w, got {value!r}", field=field_name
        )
    return int(match.group(1)) * (7 if match.group(2) == "w" else 1)


def emerging(
    session: Session,
    tenant_id: str,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    window_spec: str = "7d",
    baseline_spec: str = "90d",
    alpha: float = 0.05,
    min_count: int = 5,
    now: datetime | None = None,
    cache: TableCache | None = CACHE,
    lang: str | None = None,
) -> EmergingOut:
    if not 0 < alpha < 1:
        raise InvalidInput(f"alpha must be between 0 and 1, got {alpha}", field="alpha")
    if min_count < 0:
        raise InvalidInput("min_count must be >= 0", field="min_count")
    language = query.label_language(lang)
    w_days, b_days = parse_days(window_spec, "window"), parse_days(baseline_spec, "baseline")
    # Without `to` the window ends at the current minute (so a minute's requests share a cache).
    end = _utc(query.until) if query.until else _utc(now or datetime.now(UTC))
    end = end if query.until else end.replace(second=0, microsecond=0)
    data = tenant_data(session, tenant_id, DATA if cache is not None else None)
    key = ("emerging", tenant_id, data.version, catalog, query, end, w_days, b_days)
    return _cached(
        cache,
        (*key, alpha, min_count, language),
        lambda: _emerging(
            tenant_id,
            data,
            catalog,
            query,
            end,
            w_days,
            b_days,
            alpha,
            min_count,
            language,
            cache,
        ),
    )


def _emerging(
    tenant_id: str,
    data: TenantData,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    end: datetime,
    w_days: int,
    b_days: int,
    alpha: float,
    min_count: int,
    language: str | None,
    cache: TableCache | None,
) -> EmergingOut:
    w_start = end - timedelta(days=w_days)
    b_start = w_start - timedelta(days=b_days)
    if query.since is not None:
        b_start = max(b_start, _utc(query.since))
        w_start = max(w_start, _utc(query.since))
    # Both periods from the answers (with times) and theme pairs the other views use too.
    cols = _columns(tenant_id, data, query, cache)
    ans, links = cols.answers, cols.links
    t_window, t_base = to_us(w_start), to_us(b_start)
    before_end = ans.time < to_us(end)
    in_window = (ans.time >= t_window) & before_end
    in_base = (ans.time >= t_base) & (ans.time < t_window)
    n1, n2 = int(in_window.sum()), int(in_base.sum())
    c1 = _count_by(links.theme[in_window[cols.pos]])
    c2 = _count_by(links.theme[in_base[cols.pos]])
    extra = sorted(t for t in set(c1) | set(c2) if not catalog.has(t))
    ids = [t.id for t in catalog.themes] + extra
    tests = [two_proportion_increase(c1.get(i, 0), n1, c2.get(i, 0), n2) for i in ids]
    qs = benjamini_hochberg([t.p_value for t in tests])
    out = []
    for theme_id, test, q in zip(ids, tests, qs, strict=True):
        x1, x2 = c1.get(theme_id, 0), c2.get(theme_id, 0)
        s1, s2 = (x1 / n1 if n1 else 0.0), (x2 / n2 if n2 else 0.0)
        out.append(
            EmergingTheme(
                id=theme_id,
                label=catalog.label(theme_id, language),
                window_count=x1,
                window_share=s1,
                baseline_count=x2,
                baseline_share=s2,
                ratio=s1 / s2 if s2 > 0 else None,
                z=test.z,
                p_value=test.p_value,
                q_value=q,
                significant=q is not None and q < alpha and x1 >= min_count,
                new=theme_id in catalog.new_ids,
            )
        )
    out.sort(key=lambda t: (not t.significant, t.q_value if t.q_value is not None else 2.0, t.id))
    return EmergingOut(
        filters=query.echo(),
        window=Period(start=w_start, end=end, answers=n1),
        baseline=Period(start=b_start, end=w_start, answers=n2),
        alpha=alpha,
        min_count=min_count,
        test="one-sided two-proportion z-test (pooled), Benjamini-Hochberg over all themes",
        model_version=catalog.version,
        themes=out,
        new_themes=[
            ParentRef(id=t.id, label=t.label_in(language))
            for t in catalog.themes
            if t.id in catalog.new_ids
        ],
    )


@dataclass(frozen=True)
class DetractorDriver:
    touchpoint: str | None
    theme: ThemeStat


def detractor_drivers(
    session: Session,
    tenant_id: str,
    catalog: ThemeCatalog,
    query: InsightsQuery,
    top: int = 3,
    min_driver: int = DEFAULT_MIN_DRIVER,
    lang: str | None = None,
) -> list[DetractorDriver]:
    """Per touchpoint the `top` themes that pull the KPI down most (most negative removal
    impact), with their driver coefficient and interval; the README walkthrough prints these."""
    language = query.label_language(lang)
    data = tenant_data(session, tenant_id)
    ans = select_columns(data, query).answers
    present = (ans.text(int(c)) for c in np.unique(ans.touchpoint))
    names = sorted(t for t in present if t is not None)
    if query.touchpoint is not None:
        names = [query.touchpoint]
    out: list[DetractorDriver] = []
    for tp in names:
        sub = InsightsQuery(**{**query.__dict__, "touchpoint": tp})
        table = _theme_table(tenant_id, data, catalog, sub, min_driver, CACHE)
        worst = sorted(
            (
                s
                for s in table.stats.values()
                if s.removal_impact is not None and s.removal_impact < 0
            ),
            key=lambda s: (s.removal_impact, s.id),
        )[:top]
        out.extend(DetractorDriver(tp, _labelled(s, catalog, language)) for s in worst)
    return out
