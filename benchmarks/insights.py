"""p95 latency of every insights endpoint over N stored answers, on SQLite and PostgreSQL.

    python benchmarks/insights.py [--n 100000] [--samples 20] [--refits 8] [--db sqlite,postgres]

Stores N synthetic answers for one tenant directly (bulk inserts: no models involved; 8
touchpoints, 80% NPS / 20% CSAT, 1-4 sentences each, themes 0-59 of the bundled demo model with
a hygiene theme and a theme that rises in the last week, dates over a year), then calls each
endpoint through the real app (in-process httpx TestClient, auth and serialisation included):
  full:    every cache cleared and the tenant's insights snapshot deleted before each call (a
           process's first request when no snapshot exists yet, e.g. the first ever, or in the
           seconds between a refit's commit and the worker's snapshot): reads all answers and
           their theme sentences
  process: every cache cleared, the snapshot kept (a new API process): loads the snapshot and
           reads the answers changed since it
  refit:   before each round (not timed) a refit moves every answer's themes (one UPDATE of all
           theme sentences, every entry stamped, as `SegmentRepository.reassign` does) and the
           refit job's hook writes the snapshot (`refresh_snapshot`); then, per endpoint, the
           tenant's pre-refit copy is put back and the views' caches cleared: the first request
           of an API replica after the refit (its copy is 100,000 answers behind)
  new:     before each call (not timed) one answer is stored, as an ingest process stores it, or
           a moderation decision hides / approves one through the API: the first request after
           new data, which merges the changed answers into the tenant's copy and recomputes the
           view
  views:   the tenant's copy current, the view's cache cleared (another view or filter)
  warm:    repeated calls (the view's cache, keyed on the data version, hits)
Snapshot writes queued by a request run in a background thread; the benchmark waits for them
(untimed) before each timed call, so they do not overlap it.
Prints p50 / p95 per endpoint and database, with the load average (the machine may be shared),
and writes benchmarks/results/insights.txt.
PostgreSQL: a fresh database on NLP_SERVICE_TEST_POSTGRES_URL's server, dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, delete, insert, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from nlp_service.store import (  # noqa: E402
    create_tenant,
    make_engine,
    make_sessionmaker,
    transaction,
    upgrade,
    versions,
)
from nlp_service.store.models import Entry, InsightsSnapshot, Segment  # noqa: E402

RESULT = ROOT / "benchmarks" / "results" / "insights.txt"
POSTGRES_ADMIN_URL = os.environ.get(
    "NLP_SERVICE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TOUCHPOINTS = ["hotline", "delivery", "app", "web", "store", "billing", "returns", "account"]
LABELS = ("negative", "neutral", "positive")
END = datetime(2026, 11, 26, tzinfo=UTC)
HYGIENE, RISING = 7, 17


def seed(url: str, n: int, seed_value: int = 7) -> tuple[str, str]:
    """Create a tenant and store n answers; returns (tenant id, API key)."""
    rng = np.random.default_rng(seed_value)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as session:
        tenant, key = create_tenant(
            session, f"bench-{uuid.uuid4().hex[:8]}", "ingest,research,moderate"
        )
        tenant_id = tenant.id
    tp = rng.integers(0, len(TOUCHPOINTS), n)
    is_nps = rng.random(n) < 0.8
    score = np.where(is_nps, rng.integers(0, 11, n), rng.integers(1, 6, n))
    age = rng.random(n) * 365
    n_seg = rng.integers(1, 5, n)
    seq0 = 1_000_000
    chunk = 5_000
    seg_id = 10_000_000
    for start in range(0, n, chunk):
        entries, segments = [], []
        for i in range(start, min(n, start + chunk)):
            nps = bool(is_nps[i])
            good = score[i] >= 9 if nps else score[i] >= 4
            bad = score[i] <= 6 if nps else score[i] <= 2
            label = "positive" if good else "negative" if bad else "neutral"
            submitted = END - timedelta(days=float(age[i]))
            entries.append(
                {
                    "seq": seq0 + i,
                    "id": f"ans_b{i:019d}",
                    "tenant_id": tenant_id,
                    "kind": "answer",
                    "content_hash": "x",
                    "survey_id": "s1",
                    "question_id": "q1",
                    "touchpoint": TOUCHPOINTS[tp[i]],
                    "submitted_at": submitted,
                    "created_at": submitted,
                    "meta": {},
                    "text": f"answer {i}",
                    "text_is_raw": False,
                    "pii_types": [],
                    "kpi_type": "nps" if nps else "csat",
                    "kpi_score": float(score[i]),
                    "kpi_group": label,
                    "kpi_normalized": 0.5,
                    "language": "de" if i % 3 else "en",
                    "language_confidence": 0.9,
                    "sentiment_label": label,
                    "sentiment_score": 0.0,
                    "themes": [],
                    "flags": [],
                    "max_severity": 0,
                    "moderation_status": "none",
                    "is_hidden": i % 97 == 0,
                    "embedder_id": "bench",
                    "sentiment_model_id": "bench",
                }
            )
            for j in range(int(n_seg[i])):
                theme = int(rng.integers(0, 60)) if rng.random() > 0.1 else None
                if age[i] < 7 and rng.random() < 0.3:
                    theme = RISING
                s_label = label if rng.random() < 0.7 else LABELS[int(rng.integers(0, 3))]
                if theme == HYGIENE and bad:
                    s_label = "negative"
                segments.append(
                    {
                        "id": seg_id,
                        "entry_seq": seq0 + i,
                        "tenant_id": tenant_id,
                        "idx": j,
                        "start": 0,
                        "end": 1,
                        "text": f"sentence {j} of answer {i}",
                        "sentiment_label": s_label,
                        "sentiment_score": 0.0,
                        "topic_id": theme,
                        "topic_label": None if theme is None else f"theme {theme}",
                        "topic_confidence": None if theme is None else float(rng.random()),
                        "embedding": b"",
                    }
                )
                seg_id += 1
        with transaction(sessions) as session:
            session.execute(insert(Entry), entries)
            session.execute(insert(Segment), segments)
    with transaction(sessions) as session:
        versions.stamp(session, tenant_id)  # bulk inserts skip the unit of work's stamping
    if url.startswith("postgresql"):
        # As autovacuum leaves a table that has been written: statistics and visibility map.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE entries"))
            conn.execute(text("VACUUM ANALYZE segments"))
    engine.dispose()
    return tenant_id, key


ENDPOINTS: list[tuple[str, dict[str, str]]] = [
    ("/v1/insights/touchpoints", {}),
    ("/v1/insights/themes", {}),
    ("/v1/insights/themes", {"touchpoint": "hotline"}),
    ("/v1/insights/themes/7", {}),
    ("/v1/insights/trends", {"theme": "7", "interval": "week"}),
    ("/v1/insights/emerging", {"to": "2026-11-26T00:00:00Z"}),
]


def p(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


MODES = ("full", "process", "refit", "new", "views", "warm")
COLD = ("full", "process")  # measured per endpoint, before the others


def new_data(
    client: Any, headers: dict[str, str], sessions: Any, tenant_id: str, ids: list[str], i: int
) -> None:
    """One change the insights must see, alternately: an answer stored (as an ingest process
    stores it: an ORM insert of the answer and its sentences, stamped with a new data version)
    or a moderation decision through the API. Answers are not posted to this process's API:
    its models' threads would still be busy on the 2 cores when the timed request starts."""
    if i % 2 == 0:
        submitted = END - timedelta(hours=i + 1)
        entry = Entry(
            id=f"ans_n{i:019d}",
            tenant_id=tenant_id,
            kind="answer",
            content_hash=f"n{i}",
            survey_id="s1",
            question_id="q1",
            touchpoint=TOUCHPOINTS[i % len(TOUCHPOINTS)],
            submitted_at=submitted,
            created_at=submitted,
            meta={},
            text=f"new answer {i}",
            text_is_raw=False,
            pii_types=[],
            kpi_type="nps",
            kpi_score=float(i % 11),
            kpi_group="detractor",
            language="de",
            language_confidence=0.9,
            sentiment_label="negative",
            sentiment_score=0.0,
            themes=[],
            flags=[],
            moderation_status="none",
            is_hidden=False,
            embedder_id="bench",
            sentiment_model_id="bench",
        )
        entry.segments = [
            Segment(
                tenant_id=tenant_id,
                idx=j,
                start=0,
                end=1,
                text=f"sentence {j} of new answer {i}",
                sentiment_label="negative",
                sentiment_score=0.0,
                topic_id=theme,
                topic_label=f"theme {theme}",
                topic_confidence=0.8,
                embedding=b"",
            )
            for j, theme in enumerate((HYGIENE, RISING))
        ]
        with transaction(sessions) as session:
            session.add(entry)
    else:
        action = "hide" if i % 4 == 1 else "approve"
        r = client.post(
            f"/v1/moderation/items/{ids[i % len(ids)]}/decision",
            json={"action": action, "note": "benchmark"},
            headers=headers,
        )
        assert r.status_code == 200, r.text


def refit_moves_every_answer(sessions: Any, tenant_id: str, shift: int) -> None:
    """What a refit's reassignment does to the data the insights read: every theme sentence
    moves (theme t -> (t + shift) % 60) and every entry is stamped with one new data version."""
    with transaction(sessions) as session:
        session.execute(
            update(Segment)
            .where(Segment.tenant_id == tenant_id, Segment.topic_id >= 0)
            .values(topic_id=(Segment.topic_id + shift) % 60)
            .execution_options(synchronize_session=False)
        )
        versions.stamp(session, tenant_id)


def profile_full_read(sessions: Any, tenant_id: str, rounds: int = 3) -> str:
    """Where a full read of the tenant's columns goes (median of `rounds`): the SQL statements
    with the DBAPI's fetchall, the conversion of the rows to numpy, and pairing them."""
    from nlp_service.services import insights as service
    from nlp_service.store.insights import InsightsRepository

    class Timed(InsightsRepository):
        def __init__(self, session: Any, tenant: str) -> None:
            super().__init__(session, tenant)
            self.fetch: list[float] = []

        def _raw_rows(self, query: Any) -> list[tuple[Any, ...]]:
            start = time.perf_counter()
            try:
                return super()._raw_rows(query)
            finally:
                self.fetch.append((time.perf_counter() - start) * 1000)

    parts: dict[str, list[float]] = {k: [] for k in ("a_sql", "a_np", "l_sql", "l_np", "pair")}
    for _ in range(rounds):
        with sessions() as session:
            repo = Timed(session, tenant_id)
            t0 = time.perf_counter()
            answers = repo.answers_since(None)
            t1 = time.perf_counter()
            links = repo.links(None)
            t2 = time.perf_counter()
            service.TenantData.of(0, answers, links)
            t3 = time.perf_counter()
        a_sql, l_sql = repo.fetch
        parts["a_sql"].append(a_sql)
        parts["a_np"].append((t1 - t0) * 1000 - a_sql)
        parts["l_sql"].append(l_sql)
        parts["l_np"].append((t2 - t1) * 1000 - l_sql)
        parts["pair"].append((t3 - t2) * 1000)
    m = {k: float(np.median(v)) for k, v in parts.items()}
    return (
        f"  full read (median of {rounds}): {sum(m.values()):.0f} ms = answers SQL + fetchall "
        f"{m['a_sql']:.0f} + to numpy {m['a_np']:.0f}; theme sentences SQL + fetchall "
        f"{m['l_sql']:.0f} + to numpy (collapse) {m['l_np']:.0f}; pairing {m['pair']:.0f} "
        f"({len(answers):,} answers, {len(links):,} pairs)"
    )


def measure(
    url: str, n: int, samples: int, refits: int, pipeline: object, out: Callable[[str], None]
) -> None:
    from fastapi.testclient import TestClient

    from nlp_service.api import create_app
    from nlp_service.config import Settings
    from nlp_service.services import insights as service
    from nlp_service.store.snapshots import SnapshotRepository

    t0 = time.perf_counter()
    tenant_id, key = seed(url, n)
    out(f"  stored {n:,} answers in {time.perf_counter() - t0:.0f} s")
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with engine.connect() as conn:
        ids = [
            r[0]
            for r in conn.execute(
                text("SELECT id FROM entries WHERE tenant_id = :t ORDER BY seq LIMIT 200"),
                {"t": tenant_id},
            )
        ]
    headers = {"Authorization": f"Bearer {key}"}
    labels = [
        path + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
        for path, params in ENDPOINTS
    ]
    timings: dict[str, dict[str, list[float]]] = {
        label: {mode: [] for mode in MODES} for label in labels
    }
    changes = 0
    cold_samples = max(3, samples // 2)

    def call(label: str, mode: str, path: str, params: dict[str, str]) -> None:
        service.wait_for_snapshot_writes()  # a queued snapshot write must not overlap the call
        start = time.perf_counter()
        r = client.get(path, params=params, headers=headers)
        timings[label][mode].append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200, r.text

    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=Path(data_dir), database_url=url, log_json=True)
        with TestClient(create_app(settings, pipeline)) as client:  # type: ignore[arg-type]
            out(f"  load average {os.getloadavg()[0]:.1f} before the first endpoint")
            out(profile_full_read(sessions, tenant_id))
            # The snapshot itself: written by the refit hook (a full read, encoded, upserted),
            # then read and decoded as a new process does.
            service.clear_caches()
            hook, load = [], []
            for _ in range(3):
                with transaction(sessions) as session:  # a snapshot at the same version stays
                    session.execute(
                        delete(InsightsSnapshot).where(InsightsSnapshot.tenant_id == tenant_id)
                    )
                t = time.perf_counter()
                version = service.refresh_snapshot(sessions, tenant_id)
                hook.append((time.perf_counter() - t) * 1000)
                assert version is not None
                with sessions() as session:
                    t = time.perf_counter()
                    loaded = SnapshotRepository(session, tenant_id).load(version)
                    load.append((time.perf_counter() - t) * 1000)
                    assert loaded is not None
                    size = session.scalar(
                        text("SELECT length(data) FROM insights_snapshots WHERE tenant_id = :t"),
                        {"t": tenant_id},
                    )
            out(
                f"  snapshot {int(size or 0) / 1e6:.1f} MB: refit hook (read all, encode, "
                f"write) {np.median(hook):.0f} ms; load + decode {np.median(load):.0f} ms "
                "(median of 3)"
            )
            # Cold: a process's first request, without and with the snapshot.
            for label, (path, params) in zip(labels, ENDPOINTS, strict=True):
                for _ in range(cold_samples):
                    service.wait_for_snapshot_writes()
                    with transaction(sessions) as session:
                        session.execute(
                            delete(InsightsSnapshot).where(InsightsSnapshot.tenant_id == tenant_id)
                        )
                    service.clear_caches()
                    call(label, "full", path, params)
                for _ in range(cold_samples):
                    service.clear_caches()
                    call(label, "process", path, params)
            # The first request of each endpoint after a refit that moved every answer.
            client.get(ENDPOINTS[0][0], params=ENDPOINTS[0][1], headers=headers)
            for round_ in range(refits):
                held = service.DATA.get(tenant_id)
                assert held is not None
                refit_moves_every_answer(sessions, tenant_id, 7 + round_)
                service.refresh_snapshot(sessions, tenant_id)  # the refit job's hook
                for label, (path, params) in zip(labels, ENDPOINTS, strict=True):
                    service.clear_caches()
                    service.DATA.put(tenant_id, held)  # an API replica's copy from before
                    call(label, "refit", path, params)
            # Warm process: new data, other views, cache hits.
            for label, (path, params) in zip(labels, ENDPOINTS, strict=True):
                for mode in ("new", "views", "warm"):
                    for _ in range(samples):
                        if mode == "new":
                            new_data(client, headers, sessions, tenant_id, ids, changes)
                            changes += 1
                        elif mode == "views":
                            service.clear_caches(data=False)
                        call(label, mode, path, params)
            for label in labels:
                out(
                    f"  {label:46s}"
                    + "".join(
                        f"  {m} {p(t, 50):4.0f} /{p(t, 95):4.0f}" for m, t in timings[label].items()
                    )
                )
            out(f"  load average {os.getloadavg()[0]:.1f} after the last endpoint")
    service.wait_for_snapshot_writes()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument(
        "--refits", type=int, default=8, help="refit rounds (each endpoint timed once per round)"
    )
    parser.add_argument("--db", default="sqlite,postgres")
    args = parser.parse_args()

    from nlp_service.analysis.pipeline import Pipeline
    from nlp_service.config import Settings

    pipeline = Pipeline.from_settings(Settings(data_dir=Path("/nonexistent")))
    lines: list[str] = []

    def out(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    out(
        f"# insights benchmark: {platform.platform()}, {os.cpu_count()} cpus, python "
        f"{platform.python_version()}; {args.n:,} answers"
    )
    out(
        "# p50 / p95 ms per mode (target p95 < 300 ms). Cold: full = a process's first request "
        "without a snapshot (reads every answer); process = a new process's first request "
        "(snapshot + changes since); refit = an API replica's first request after a refit moved "
        "every answer (snapshot written by the refit job). Warm process: new = first request "
        "after an answer or a decision arrived; views = view recomputed; warm = cache hits. "
        f"{args.samples} samples per mode, {max(3, args.samples // 2)} for full / process, "
        f"{args.refits} refit rounds. Load average (1, 5, 15 min) at start "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cpus "
        "(shared machine: other jobs may run)"
    )
    for db in args.db.split(","):
        out(f"{db}:")
        if db == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{folder}/bench.db"
                upgrade(url)
                measure(url, args.n, args.samples, args.refits, pipeline, out)
        else:
            admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
            name = f"nlp_service_bench_{uuid.uuid4().hex[:10]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)
                upgrade(url)
                measure(url, args.n, args.samples, args.refits, pipeline, out)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    RESULT.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
