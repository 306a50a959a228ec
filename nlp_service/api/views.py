"""Stored rows -> API response models (schemas)."""

from __future__ import annotations

from typing import Any

from nlp_service.schemas import (
    AnswerOut,
    AuditOut,
    ContextPost,
    FlagOut,
    JobOut,
    KpiOut,
    ModelsOut,
    ModerationItemOut,
    ModerationState,
    PostOut,
    SegmentOut,
    SentimentOut,
    ThemeOut,
    ThreadContext,
    ThreadOut,
)
from nlp_service.store.models import AuditLog, Entry, Job, Segment, Thread, as_utc


def _segment(seg: Segment) -> SegmentOut:
    theme = None
    if seg.topic_id is not None and seg.topic_id >= 0:
        theme = ThemeOut(
            id=seg.topic_id, label=seg.topic_label or "", confidence=seg.topic_confidence or 0.0
        )
    return SegmentOut(
        text=seg.text,
        start=seg.start,
        end=seg.end,
        theme=theme,
        sentiment=SentimentOut(label=seg.sentiment_label, score=seg.sentiment_score),
    )


def _common(entry: Entry) -> dict[str, Any]:
    kpi = None
    if entry.kpi_type is not None:
        kpi = KpiOut(
            type=entry.kpi_type,
            score=entry.kpi_score or 0.0,
            group=entry.kpi_group or "",
            normalized=entry.kpi_normalized or 0.0,
        )
    return {
        "id": entry.id,
        "kind": entry.kind,
        "external_id": entry.external_id,
        "touchpoint": entry.touchpoint,
        "submitted_at": as_utc(entry.submitted_at),
        "created_at": as_utc(entry.created_at),
        "metadata": entry.meta or {},
        "text": entry.text,
        "text_is_raw": entry.text_is_raw,
        "pii_types": entry.pii_types or [],
        "kpi": kpi,
        "language": entry.language,
        "language_confidence": entry.language_confidence,
        "sentiment": SentimentOut(label=entry.sentiment_label, score=entry.sentiment_score),
        "themes": [ThemeOut(**t) for t in entry.themes or []],
        "segments": [_segment(s) for s in entry.segments],
        "flags": [FlagOut(**f) for f in entry.flags or []],
        "moderation": ModerationState(status=entry.moderation_status, hidden=entry.is_hidden),
        "models": ModelsOut(
            embedder=entry.embedder_id,
            sentiment=entry.sentiment_model_id,
            topics=entry.topic_model_version,
        ),
    }


def answer_out(entry: Entry) -> AnswerOut:
    return AnswerOut(
        **_common(entry),
        survey_id=entry.survey_id,
        question_id=entry.question_id,
        respondent_id=entry.respondent_id,
    )


def post_out(entry: Entry, thread_id: str | None = None) -> PostOut:
    if thread_id is None and entry.thread is not None:
        thread_id = entry.thread.id
    return PostOut(**_common(entry), thread_id=thread_id, author=entry.author)


def thread_out(thread: Thread, posts: list[Entry]) -> ThreadOut:
    return ThreadOut(
        id=thread.id,
        title=thread.title,
        touchpoint=thread.touchpoint,
        metadata=thread.meta or {},
        created_at=as_utc(thread.created_at),
        posts=[post_out(p, thread.id) for p in posts],
    )


def moderation_item(entry: Entry, context: list[Entry]) -> ModerationItemOut:
    thread = None
    if entry.thread is not None:
        previous = [
            ContextPost(id=p.id, author=p.author, text=p.text, created_at=as_utc(p.created_at))
            for p in context
        ]
        thread = ThreadContext(
            id=entry.thread.id, title=entry.thread.title, previous_posts=previous
        )
    flags = [FlagOut(**f) for f in entry.flags or []]
    return ModerationItemOut(
        id=entry.id,
        kind=entry.kind,
        status=entry.moderation_status,
        max_severity=entry.max_severity,
        reasons=[f"{f.type}: {f.reason}" for f in flags],
        flags=flags,
        text=entry.text,
        touchpoint=entry.touchpoint,
        created_at=as_utc(entry.created_at),
        thread=thread,
    )


def audit_out(record: AuditLog) -> AuditOut:
    return AuditOut(
        id=record.id,
        item_id=record.entry_id,
        actor=record.actor,
        action=record.action,
        note=record.note,
        before=record.before,
        after=record.after,
        created_at=as_utc(record.created_at),
    )


def job_out(job: Job) -> JobOut:
    return JobOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        progress=job.progress,
        attempts=job.attempts or 0,
        result=job.result,
        error=job.error,
        created_at=as_utc(job.created_at),
        started_at=as_utc(job.started_at) if job.started_at else None,
        finished_at=as_utc(job.finished_at) if job.finished_at else None,
    )
