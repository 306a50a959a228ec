"""API contract of /v1/connectors, /v1/imports and /v1/exports (pydantic v2, with examples).

The mapping's request model is `connectors.mapping.MappingSpec` (the same model the CLI reads
from a JSON file); responses never contain the secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from nlp_service.connectors.mapping import EXAMPLE_MAPPING, FieldRef, KpiRef
from nlp_service.schemas import ErrorBody

# fmt: off
EX_MAPPING_IN: Any = EXAMPLE_MAPPING
EX_MAPPING_OUT: Any = {
    "id": "map_3f2a1b0c9d8e7f6a5b4c", "source": "formbricks", "name": "Relationship NPS 2026",
    "webhook_url": "/v1/connectors/formbricks/map_3f2a1b0c9d8e7f6a5b4c", "has_secret": True,
    "kpi": {"field": "nps_score", "type": "nps"}, "text_fields": ["nps_reason", "improve"],
    "touchpoint": {"field": "hidden.channel", "value": "web"},
    "respondent": {"field": "contact.userId", "value": None},
    "language": {"field": "language", "value": "de"}, "submitted_at": None, "response_id": None,
    "survey": None, "metadata_fields": [],
    "created_at": "2026-11-24T09:30:00Z", "updated_at": "2026-11-24T09:30:00Z",
}
EX_WEBHOOK_OUT: Any = {
    "mapping_id": "map_3f2a1b0c9d8e7f6a5b4c", "response_id": "cm4r9x0k1000208l5a1b2c3d4",
    "event": "responseFinished",
    "answers": [{"question_id": "nps_reason", "status": "created",
                 "answer_id": "ans_5b1f0c8e2a7d4c3b9e10", "error": None}],
    "created": 1, "existing": 0, "updated": 0, "failed": 0,
    "unmapped_fields": ["plan_choice"], "missing_fields": ["improve"],
}
# fmt: on


class MappingOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [EX_MAPPING_OUT]})

    id: str
    source: str
    name: str
    webhook_url: str | None = Field(
        description="Path to paste into the platform (prefix it with this service's base URL); "
        "null for import-only sources (qualtrics, limesurvey)."
    )
    has_secret: bool = Field(description="Whether a signing secret is set (it is never shown).")
    kpi: KpiRef | None
    text_fields: list[str]
    touchpoint: FieldRef | None
    respondent: FieldRef | None
    language: FieldRef | None
    submitted_at: FieldRef | None
    response_id: FieldRef | None
    survey: FieldRef | None
    metadata_fields: list[str]
    created_at: datetime
    updated_at: datetime


class MappingList(BaseModel):
    items: list[MappingOut]


class WebhookAnswerOut(BaseModel):
    question_id: str | None
    status: Literal["created", "existing", "updated", "error"]
    answer_id: str | None = None
    error: ErrorBody | None = None


class WebhookOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [EX_WEBHOOK_OUT]})

    mapping_id: str
    response_id: str | None
    event: str | None
    answers: list[WebhookAnswerOut]
    created: int
    existing: int
    updated: int = Field(description="Answers whose response changed: re-analysed, revision kept.")
    failed: int
    unmapped_fields: list[str] = Field(description="Fields of the payload the mapping ignores.")
    missing_fields: list[str] = Field(description="Mapped fields the payload does not carry.")


def webhook_out(outcome: Any) -> WebhookOut:
    answers = [
        WebhookAnswerOut(
            question_id=r.question_id,
            status=r.status,
            answer_id=r.entry.id if r.entry is not None else None,
            error=ErrorBody(**r.error.to_dict()) if r.error is not None else None,
        )
        for r in outcome.results
    ]
    return WebhookOut(
        mapping_id=outcome.mapping_id,
        response_id=outcome.response_id,
        event=outcome.event,
        answers=answers,
        created=sum(a.status == "created" for a in answers),
        existing=sum(a.status == "existing" for a in answers),
        updated=sum(a.status == "updated" for a in answers),
        failed=sum(a.status == "error" for a in answers),
        unmapped_fields=outcome.unmapped,
        missing_fields=outcome.missing,
    )
