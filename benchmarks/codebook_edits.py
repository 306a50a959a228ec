"""Codebook edits survive a refit with +20% data, one run, through the services layer.

    HF_HUB_OFFLINE=1 python benchmarks/codebook_edits.py > benchmarks/results/codebook_edits.txt

A temporary SQLite service (the same IngestService, Refits, JobWorker and CodebookService the API
uses) ingests a mixed German/English corpus written by the project (training/data:
feedback_sentiment_de/en, survey_topics_answers, survey_answers_labeled; not the codebook
evaluation set): 1,000 answers, refit from the starter codebook, then a researcher's edits
(rename a codebook theme and an emergent one, accept, merge, split by an accepted proposal, add a
theme from phrases, move answers, retire, and one rename of a theme a later edit retires), then
+20% answers (200 more) and a second refit. Printed: every edit with the second refit's replay
outcome (honoured or conflict with its reason), and checks that the edited state is what the
active version serves.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp_service.analysis.answer_input import AnswerInput  # noqa: E402
from nlp_service.analysis.pipeline import Pipeline  # noqa: E402
from nlp_service.analysis.results import Analysis  # noqa: E402
from nlp_service.config import Settings  # noqa: E402
from nlp_service.errors import ServiceError  # noqa: E402
from nlp_service.schemas import AnswerIn  # noqa: E402
from nlp_service.schemas_codebook import parse_edit  # noqa: E402
from nlp_service.services import refits as refit_jobs  # noqa: E402
from nlp_service.services.codebook import CodebookService  # noqa: E402
from nlp_service.services.ingest import IngestService, IngestStore, analyze_each, build_item  # noqa: E402
from nlp_service.services.jobs import JobWorker  # noqa: E402
from nlp_service.services.topics import TopicProvider  # noqa: E402
from nlp_service.store import (  # noqa: E402
    JobRepository,
    authenticate,
    create_tenant,
    make_engine,
    make_sessionmaker,
    transaction,
    upgrade,
)

FILES = (
    "feedback_sentiment_de.jsonl",
    "feedback_sentiment_en.jsonl",
    "survey_topics_answers.jsonl",
    "survey_answers_labeled.jsonl",
)
FIRST, MORE = 1_000, 200
GREEN = [
    "Bitte weniger Plastik in der Verpackung.",
    "Mehr nachhaltige Versandoptionen bitte.",
    "Der CO2-Ausgleich für die Lieferung ist mir wichtig.",
    "Please use less plastic packaging.",
    "I want a greener delivery option.",
    "Recyclable boxes would be great.",
]


class Direct:
    """The model side without the micro-batcher (one process, no concurrent requests)."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    async def submit(self, item: AnswerInput) -> Analysis | ServiceError:
        return analyze_each(self.pipeline, [item])[0]

    async def run_many(self, items: list[AnswerInput]) -> Sequence[Analysis | ServiceError]:
        return analyze_each(self.pipeline, items)


def corpus() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name in FILES:
        for line in (ROOT / "training" / "data" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                data = json.loads(line)
                rows.append({"text": data["text"], "language": data.get("language")})
    # Interleave the files (seeded), so the first 1,000 and the next 200 mix every source.
    import random

    random.Random(7).shuffle(rows)
    return rows


def main() -> None:
    import structlog

    # Service logs go to stderr: stdout is the result.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="codebook-bench-"))
    url = f"sqlite:///{tmp / 'service.db'}"
    upgrade(url)
    settings = Settings(data_dir=tmp, database_url=url, threads=2)
    pipeline = Pipeline.from_settings(settings)
    sessions = make_sessionmaker(make_engine(url))
    with transaction(sessions) as s:
        tenant, key = create_tenant(s, "bench", "ingest,research", key_name="researcher-anna")
    with sessions() as s:
        principal = authenticate(s, key)
    assert principal is not None
    tid = tenant.id
    topics = TopicProvider(settings, sessions, pipeline.embedder.id)
    ingest = IngestService(IngestStore(sessions), Direct(pipeline))
    refits = refit_jobs.Refits(settings, sessions, topics, pipeline.embedder.id)
    worker = JobWorker(sessions, {refit_jobs.KIND: refits.run})
    book = CodebookService(sessions, topics, pipeline.embedder.id, pipeline.embedder.encode)
    rows = corpus()

    def load(part: list[dict[str, Any]], prefix: str) -> list[str]:
        model = topics.get(tid)
        items = [
            build_item(
                principal,
                "answer",
                AnswerIn(external_id=f"{prefix}{i}", text=r["text"], language=r["language"]),
                model,
                settings.max_text_chars,
            )
            for i, r in enumerate(part)
        ]
        out = asyncio.run(ingest.ingest_many(items))
        return [o[0].id for o in out if not isinstance(o, ServiceError)]

    def refit() -> dict[str, Any]:
        job = refits.enqueue(tid, {})
        t0 = time.perf_counter()
        assert worker.run_once()
        with sessions() as s:
            done = JobRepository(s, tid).get(job.id)
        assert done.status == "succeeded", done.error
        result = dict(done.result or {})
        result["wall_seconds"] = round(time.perf_counter() - t0, 1)
        return result

    seconds: dict[int, float] = {}

    def apply(data: dict[str, Any]) -> dict[str, Any]:
        t0 = time.perf_counter()
        applied = book.apply(tid, principal.actor, [parse_edit(data)])
        out = applied.edits[0].model_dump(mode="json")
        seconds[out["id"]] = time.perf_counter() - t0  # new version (+ reassignment)
        return out

    t0 = time.perf_counter()
    ids = load(rows[:FIRST], "a")
    print(
        f"ingested {len(ids)} answers in {time.perf_counter() - t0:.1f}s "
        f"(project-written, {', '.join(FILES)})"
    )
    first = refit()
    print(
        f"refit 1: {first['topics']} themes, version {first['version']}, "
        f"{first['unassigned_answers']} answers without a theme, {first['wall_seconds']}s"
    )
    shown = book.show(tid, "de")
    emergent = sorted((t for t in shown.themes if t.source == "emergent"), key=lambda t: -t.size)
    codebook = {t.id: t for t in shown.themes if t.source == "codebook"}
    print(
        f"  codebook themes {len(codebook)}, emergent {len(emergent)} "
        f"(new: {sum(t.status == 'new' for t in emergent)})"
    )

    plan: list[tuple[str, dict[str, Any]]] = [
        (
            "rename codebook theme 22",
            {
                "kind": "rename",
                "theme_id": 22,
                "labels": {"de": "Bearbeitungsdauer", "en": "Handling time"},
            },
        ),
        ("merge 8 + 9 (price, fees)", {"kind": "merge", "theme_ids": [8, 9], "into": 8}),
        (
            "add Sustainability",
            {
                "kind": "add",
                "phrases": GREEN,
                "labels": {"de": "Nachhaltigkeit", "en": "Sustainability"},
                "description": "Plastic, recycling, CO2, green delivery",
            },
        ),
    ]
    if emergent:
        e0 = emergent[0]
        plan.insert(
            1,
            (
                f"rename emergent {e0.id} ({e0.label})",
                {
                    "kind": "rename",
                    "theme_id": e0.id,
                    "labels": {
                        "de": f"{e0.labels.get('de', e0.label)} (geprüft)",
                        "en": f"{e0.labels.get('en', e0.label)} (reviewed)",
                    },
                },
            ),
        )
    if len(emergent) > 1:
        plan.append(
            (f"accept emergent {emergent[1].id}", {"kind": "accept", "theme_id": emergent[1].id})
        )
    edits: list[tuple[str, dict[str, Any]]] = []
    for what, data in plan:
        edits.append((what, apply(data)))
    # split the largest codebook theme by an accepted proposal
    largest = max(codebook.values(), key=lambda t: t.size)
    proposal = book.propose_split(tid, largest.id, 2)
    parts = ", ".join(f"{p.label} ({p.size})" for p in proposal.parts)
    print(f"  split proposal for {largest.id} {largest.label} ({largest.size} answers): {parts}")
    edits.append(
        (
            f"split {largest.id} ({largest.label})",
            apply({"kind": "split", "theme_id": largest.id, "proposal_id": proposal.proposal_id}),
        )
    )
    # move two answers of theme 1 to the added theme
    green = next(e for w, e in edits if e["kind"] == "add")["params"]["theme_id"]
    with sessions() as s:
        from nlp_service.store.models import Entry

        movable = [
            e.id
            for e in s.query(Entry).filter(Entry.tenant_id == tid).limit(400)
            if any(t["id"] == 26 for t in e.themes)
        ][:2]
    if movable:
        edits.append(
            (
                "move 2 answers 26 -> Sustainability",
                apply({"kind": "move", "answer_ids": movable, "from_theme": 26, "to_theme": green}),
            )
        )
    # a rename, then a retire of the same theme: the replay must report the rename as a conflict
    victim = emergent[-1] if len(emergent) > 2 else None
    if victim is not None:
        edits.append(
            (
                f"rename emergent {victim.id}",
                apply({"kind": "rename", "theme_id": victim.id, "labels": {"en": "to be retired"}}),
            )
        )
        edits.append(
            (f"retire emergent {victim.id}", apply({"kind": "retire", "theme_id": victim.id}))
        )

    t0 = time.perf_counter()
    more = load(rows[FIRST : FIRST + MORE], "b")
    print(f"\n+{len(more)} answers ({len(more) / len(ids):.0%}) in {time.perf_counter() - t0:.1f}s")
    second = refit()
    print(
        f"refit 2: {second['topics']} themes, version {second['version']}, "
        f"{second['unassigned_answers']} answers without a theme, {second['wall_seconds']}s"
    )
    summary = second["edits"]
    print(
        f"  edits replayed {summary['replayed']}, honoured {summary['honoured']}, "
        f"conflicts {len(summary['conflicts'])}\n"
    )

    diff = {e["id"]: e for e in book.diff(tid)["edits"]}
    print(f"{'edit':>4}  {'kind':<7} {'what':<44} {'apply s':>7}  {'outcome':<9} reason")
    for what, e in edits:
        d = diff[e["id"]]
        took = f"{seconds[e['id']]:.2f}"
        print(
            f"{e['id']:>4}  {e['kind']:<7} {what[:44]:<44} {took:>7}  {d['outcome']:<9} "
            f"{d['reason'] or ''}"
        )
    print(
        "(apply s: one edit = a new version + all stored segments reassigned, on the 1,000 "
        "answers; rename and accept change labels only: the renamed theme's segments relabelled)"
    )
    reported = sum(d["outcome"] in ("honoured", "conflict") for d in diff.values())
    print(
        f"\nevery edit survived or was reported: {reported == len(diff)} ({reported}/{len(diff)})"
    )

    after = {t.id: t for t in book.show(tid, "de").themes}
    checks = {
        "theme 22 renamed (de)": 22 in after and after[22].label == "Bearbeitungsdauer",
        "theme 9 stays merged into 8": 9 not in after and 8 in after,
        "added theme keeps its id and label": after.get(green) is not None
        and after[green].label == "Nachhaltigkeit",
        "split parts keep their ids": all(
            i in after
            for i in [
                largest.id,
                *next(e for w, e in edits if e["kind"] == "split")["params"]["ids"],
            ]
        ),
        "retired theme stays retired": victim is None or victim.id not in after,
    }
    if movable:
        with sessions() as s:
            moved = [s.query(Entry).filter(Entry.id == a).one().themes for a in movable]
        checks["moved answers still carry the added theme"] = all(
            any(t["id"] == green for t in themes) for themes in moved
        )
    for name, ok in checks.items():
        print(f"  {'ok ' if ok else 'FAIL'} {name}")
    label_only = [seconds[e["id"]] for _, e in edits if e["kind"] in ("rename", "accept")]
    moving = [seconds[e["id"]] for _, e in edits if e["kind"] not in ("rename", "accept")]
    if label_only and moving:
        ratio = (sum(moving) / len(moving)) / (sum(label_only) / len(label_only))
        print(
            f"mean apply: rename/accept {sum(label_only) / len(label_only):.2f}s, other edits "
            f"{sum(moving) / len(moving):.2f}s (x{ratio:.1f}, same run)"
        )
    print(
        f"\nload average {tuple(round(x, 2) for x in os.getloadavg())} (2 cores, shared); "
        f"total {time.perf_counter() - started:.0f}s"
    )


if __name__ == "__main__":
    main()
