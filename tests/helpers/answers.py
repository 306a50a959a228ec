"""Answers stored straight into the database for the store, insights, API and CLI tests: an
`Entry` with its theme sentences, as ingestion would leave it, without running any model. The
fields no test looks at (survey, question, model ids, flags) are fixed here, once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from nlp_service.services.insights import TenantData
from nlp_service.store import create_tenant, make_engine, make_sessionmaker, transaction
from nlp_service.store.models import Entry, Segment


def answer_entry(
    tenant_id: str,
    *,
    text: str,
    touchpoint: str,
    submitted_at: datetime,
    kpi_type: str,
    kpi_score: float,
    language: str,
    sentiment: str,
    hidden: bool = False,
) -> Entry:
    """A stored answer (survey s1, question q1) without sentences; add them with
    `theme_sentence`."""
    return Entry(
        id=f"ans_{uuid.uuid4().hex[:20]}",
        tenant_id=tenant_id,
        kind="answer",
        content_hash=uuid.uuid4().hex,
        touchpoint=touchpoint,
        survey_id="s1",
        question_id="q1",
        submitted_at=submitted_at,
        text=text,
        kpi_type=kpi_type,
        kpi_score=kpi_score,
        language=language,
        sentiment_label=sentiment,
        sentiment_score=0.0,
        is_hidden=hidden,
        moderation_status="hidden" if hidden else "none",
        embedder_id="test",
        sentiment_model_id="test",
        themes=[],
        flags=[],
        pii_types=[],
        meta={},
    )


def theme_sentence(
    tenant_id: str,
    idx: int,
    text: str,
    sentiment: str,
    theme: int,
    confidence: float,
    embedding: bytes = b"",
) -> Segment:
    """An answer's sentence `idx` assigned to `theme` (labelled "theme <id>")."""
    return Segment(
        tenant_id=tenant_id,
        idx=idx,
        start=0,
        end=1,
        text=text,
        sentiment_label=sentiment,
        sentiment_score=0.0,
        topic_id=theme,
        topic_label=f"theme {theme}",
        topic_confidence=confidence,
        embedding=embedding,
    )


def seed_corpus(db_url: str, tenant_id: str, corpus: list[tuple]) -> dict[str, str]:
    """Store the corpus for one tenant; returns name -> answer id. A row: name, touchpoint,
    (kpi type, score), answer sentiment, [(theme, sentence sentiment, confidence)], day
    (November 2026, at noon), hidden, language."""
    engine = make_engine(db_url)
    ids: dict[str, str] = {}
    try:
        with transaction(make_sessionmaker(engine)) as session:
            for name, tp, (ktype, score), sent, segs, day, hidden, lang in corpus:
                text = f"{name} " + " ".join(f"sentence {i}." for i in range(len(segs)))
                entry = answer_entry(
                    tenant_id,
                    text=text,
                    touchpoint=tp,
                    submitted_at=datetime(2026, 11, day, 12, tzinfo=UTC),
                    kpi_type=ktype,
                    kpi_score=float(score),
                    language=lang,
                    sentiment=sent,
                    hidden=hidden,
                )
                entry.segments = [
                    theme_sentence(
                        tenant_id, i, f"{name} sentence {i} about theme {theme}", s, theme, conf
                    )
                    for i, (theme, s, conf) in enumerate(segs)
                ]
                ids[name] = entry.id
                session.add(entry)
    finally:
        engine.dispose()
    return ids


def new_tenant(sessions: sessionmaker[Session]) -> str:
    """A fresh research tenant's id."""
    with transaction(sessions) as s:
        tenant, _ = create_tenant(s, f"dv-{uuid.uuid4().hex[:8]}", "research")
        return tenant.id


def numbered_answer(tenant_id: str, i: int, themes: list[tuple[int, str, float]]) -> Entry:
    """Answer i of a numbered series: touchpoint, time, KPI, language and sentiment follow from i
    (2026-11-(1 + i % 20) 12:00:(i % 60).(250000 * (i % 4))), one sentence per (theme, sentiment,
    confidence) whose 4-d vector is all i % 7 + its index."""
    entry = answer_entry(
        tenant_id,
        text=f"answer {i}",
        touchpoint="hotline" if i % 2 else "app",
        submitted_at=datetime(2026, 11, 1 + i % 20, 12, 0, i % 60, 250_000 * (i % 4), tzinfo=UTC),
        kpi_type="nps",
        kpi_score=float(i % 11),
        language="de" if i % 3 else "en",
        sentiment=("negative", "neutral", "positive")[i % 3],
    )
    entry.segments = [
        theme_sentence(
            tenant_id,
            j,
            f"answer {i} sentence {j}",
            label,
            theme,
            conf,
            np.full(4, i % 7 + j, dtype=np.float32).tobytes(),
        )
        for j, (theme, label, conf) in enumerate(themes)
    ]
    return entry


def seed_numbered(sessions: sessionmaker[Session], tenant_id: str, start: int, n: int) -> list[str]:
    """Answers start .. start + n - 1 in one flush (one data version); answer i carries theme
    i % 5 (negative when i % 4 == 0) and, when i % 3 == 0, theme 2 as well. Returns their ids."""
    with transaction(sessions) as s:
        entries = [
            numbered_answer(
                tenant_id,
                i,
                [(i % 5, "negative" if i % 4 == 0 else "positive", 0.5 + (i % 7) / 20)]
                + ([(2, "neutral", 0.3)] if i % 3 == 0 else []),
            )
            for i in range(start, start + n)
        ]
        s.add_all(entries)
        s.flush()
        return [e.id for e in entries]


def as_lists(data: TenantData) -> dict[str, list[object]]:
    """A copy's columns and pairs as plain lists (strings decoded, NaN as -9, pairs sorted), to
    compare a held or merged copy with a fresh read."""
    a, links = data.answers, data.links
    out: dict[str, list[object]] = {
        name: [a.text(int(c)) for c in getattr(a, name)]
        for name in ("touchpoint", "language", "survey_id", "question_id")
    }
    for name in ("seq", "kpi_code", "kpi_score", "sentiment", "time", "hidden"):
        out[name] = np.nan_to_num(getattr(a, name).astype(float), nan=-9).tolist()
    out["links"] = sorted(
        zip(
            links.seq.tolist(),
            links.theme.tolist(),
            links.sign.tolist(),
            (links.segment if links.segment is not None else links.seq).tolist(),
            data.pos.tolist(),
            strict=True,
        )
    )
    return out
