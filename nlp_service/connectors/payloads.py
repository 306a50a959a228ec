"""A platform's webhook body -> `SurveyResponse`: the answers keyed by question id / ref, with
the response's id, survey, time and language where the platform says them.

Formbricks (`responseCreated` / `responseUpdated` / `responseFinished`):
    {"webhookId", "event", "data": {"id", "surveyId", "createdAt", "updatedAt", "finished",
     "language", "data": {<question or hidden field id>: value}, "meta": {...},
     "contact": {"id", "userId"} | null, "contactAttributes": {...}, "variables": {...}}}
Typeform (`form_response`):
    {"event_id", "event_type": "form_response", "form_response": {"form_id", "token",
     "submitted_at", "hidden": {...}, "calculated": {"score"}, "variables": [...],
     "answers": [{"type", <type>: value, "field": {"id", "ref", "type"}}]}}
Generic: any JSON object; the mapping's selectors point into it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from nlp_service.connectors.selectors import leaf_paths

SOURCES = ("typeform", "formbricks", "generic", "qualtrics", "limesurvey")
WEBHOOK_SOURCES = ("typeform", "formbricks", "generic")
FORMBRICKS_EVENTS = ("responseCreated", "responseUpdated", "responseFinished")


class PayloadError(ValueError):
    """The body is not the platform's payload; `field` names where it went wrong."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class SurveyResponse:
    """One respondent's submission as the platform sent it, before any mapping."""

    source: str
    response_id: str | None
    survey_id: str | None = None
    submitted_at: Any = None  # as sent (string or datetime); parsed by the mapping
    language: str | None = None
    event: str | None = None
    # Selector -> value: question ids and refs, "hidden.<name>", "calculated.score", columns...
    values: dict[str, Any] = field(default_factory=dict)
    # The keys of `values` that are answers to questions (reported when a mapping ignores them).
    questions: list[str] = field(default_factory=list)
    raw: Any = None  # the whole payload (generic selectors resolve into it)
    row: int | None = None  # imports: the data row's line number in the file


def load_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"the body is not JSON: {exc}", field="body") from None


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"{where} must be an object", field=where)
    return value


def _str_or_none(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def formbricks(payload: Any) -> SurveyResponse:
    body = _obj(payload, "body")
    event = body.get("event")
    if event not in FORMBRICKS_EVENTS:
        raise PayloadError(
            f"event must be one of {', '.join(FORMBRICKS_EVENTS)}, got {event!r}", field="event"
        )
    data = _obj(body.get("data"), "data")
    answers = _obj(data.get("data") if data.get("data") is not None else {}, "data.data")
    response_id = _str_or_none(data.get("id"))
    if response_id is None:
        raise PayloadError("data.id (the response id) is missing", field="data.id")
    values: dict[str, Any] = {}
    for key, value in answers.items():
        values[str(key)] = value
        # Hidden fields arrive in data.data under their id; "hidden.<id>" reads the same.
        values[f"hidden.{key}"] = value
    for group in ("meta", "contactAttributes", "variables"):
        extra = data.get(group)
        if isinstance(extra, dict):
            for key, value in extra.items():
                if not isinstance(value, dict | list):
                    values[f"{group}.{key}"] = value
    contact = data.get("contact")
    if isinstance(contact, dict):
        for key in ("id", "userId"):
            if contact.get(key) is not None:
                values[f"contact.{key}"] = contact[key]
    language = data.get("language")
    for key in ("language", "surveyId", "createdAt", "updatedAt", "finished", "displayId"):
        if data.get(key) is not None:
            values[key] = data[key]
    return SurveyResponse(
        source="formbricks",
        response_id=response_id,
        survey_id=_str_or_none(data.get("surveyId")),
        submitted_at=data.get("createdAt"),
        # "default" is the survey's default language, which Formbricks does not name.
        language=language if isinstance(language, str) and language != "default" else None,
        event=event,
        values=values,
        questions=[str(k) for k in answers],
        raw=body,
    )


def _typeform_value(answer: dict[str, Any]) -> Any:
    kind = answer.get("type")
    value = answer.get(kind) if isinstance(kind, str) else None
    if kind == "choice" and isinstance(value, dict):
        return value.get("label") if value.get("label") is not None else value.get("other")
    if kind == "choices" and isinstance(value, dict):
        labels = list(value.get("labels") or [])
        if value.get("other"):
            labels.append(value["other"])
        return ", ".join(str(x) for x in labels)
    if kind == "payment" and isinstance(value, dict):
        return value.get("amount")
    return value


def typeform(payload: Any) -> SurveyResponse:
    body = _obj(payload, "body")
    if body.get("event_type") not in (None, "form_response"):
        raise PayloadError(
            f"event_type must be form_response, got {body.get('event_type')!r}",
            field="event_type",
        )
    response = _obj(body.get("form_response"), "form_response")
    response_id = _str_or_none(response.get("token") or response.get("response_id"))
    if response_id is None:
        raise PayloadError("form_response.token is missing", field="form_response.token")
    answers = response.get("answers") or []
    if not isinstance(answers, list):
        raise PayloadError("form_response.answers must be a list", field="form_response.answers")
    values: dict[str, Any] = {}
    questions: list[str] = []
    for i, answer in enumerate(answers):
        if not isinstance(answer, dict) or not isinstance(answer.get("field"), dict):
            raise PayloadError(
                "each answer needs a field object", field=f"form_response.answers.{i}.field"
            )
        fld = answer["field"]
        value = _typeform_value(answer)
        ref, fid = _str_or_none(fld.get("ref")), _str_or_none(fld.get("id"))
        for key in (ref, fid):
            if key is not None:
                values[key] = value
        questions.append(ref or fid or f"answers[{i}]")
    for group in ("hidden", "calculated"):
        extra = response.get(group)
        if isinstance(extra, dict):
            for key, value in extra.items():
                values[f"{group}.{key}"] = value
    for var in response.get("variables") or []:
        if isinstance(var, dict) and var.get("key") is not None:
            values[f"variables.{var['key']}"] = var.get(var.get("type") or "", None)
    hidden: dict[str, Any] = response["hidden"] if isinstance(response.get("hidden"), dict) else {}
    language = hidden.get("language") or hidden.get("lang")
    return SurveyResponse(
        source="typeform",
        response_id=response_id,
        survey_id=_str_or_none(response.get("form_id")),
        submitted_at=response.get("submitted_at") or response.get("landed_at"),
        language=language if isinstance(language, str) else None,
        event=str(body.get("event_type") or "form_response"),
        values=values,
        questions=questions,
        raw=body,
    )


def generic(payload: Any) -> SurveyResponse:
    """Everything is resolved through the mapping's selectors; every leaf is a candidate
    field for the unmapped report."""
    body = _obj(payload, "body")
    return SurveyResponse(
        source="generic",
        response_id=None,
        values={},
        questions=leaf_paths(body),
        raw=body,
    )


PARSERS = {"formbricks": formbricks, "typeform": typeform, "generic": generic}


def parse_webhook(source: str, body: bytes) -> SurveyResponse:
    if source not in PARSERS:
        raise PayloadError(f"no webhook receiver for source {source!r}", field="source")
    return PARSERS[source](load_json(body))
