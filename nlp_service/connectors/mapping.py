"""A tenant's survey mapping and the one function that applies it.

    spec = MappingSpec(source="formbricks", name="NPS Q4", kpi={"field": "nps", "type": "nps"},
                       text_fields=["why"], touchpoint={"field": "hidden.channel"}, ...)
    mapped = map_response(spec, response)     # one answer per answered open question

Every answer of one response carries the same KPI score, touchpoint, respondent, language and
time, so "why?" comments stay linked to their score. The idempotency key of an answer is
`<source>:<response id>:<question id>`: the platform's repeats and updates of one response land
on the same stored answers. Fields of the payload that the mapping does not use are reported
(`unmapped`), as are mapped fields the payload lacks (`missing`); nothing is dropped silently.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nlp_service.connectors.payloads import SOURCES, WEBHOOK_SOURCES, SurveyResponse
from nlp_service.connectors.selectors import SelectorError, parse, resolve
from nlp_service.validation import CleanStr

Source = Literal["typeform", "formbricks", "generic", "qualtrics", "limesurvey"]
Selector = Field(min_length=1, max_length=300)
MAX_EXTERNAL_ID = 200
# Qualtrics writes -99 for "seen but not answered" in numeric exports.
_NOT_ANSWERED = {"", "-99"}
_NUMBER = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)")
_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y/%m/%d %H:%M:%S",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldRef(_Model):
    """Where a value comes from: a field of the payload or row, else a fixed value."""

    field: CleanStr | None = Field(
        None,
        min_length=1,
        max_length=300,
        description="Question id or ref, `hidden.<name>`, a column name or a `$.json.path`.",
    )
    value: CleanStr | None = Field(
        None, min_length=1, max_length=200, description="Used when the field is absent or empty."
    )

    @model_validator(mode="after")
    def _one_of(self) -> FieldRef:
        if self.field is None and self.value is None:
            raise ValueError("give `field`, `value` or both")
        return self


class KpiRef(_Model):
    field: CleanStr = Field(min_length=1, max_length=300)
    type: Literal["nps", "csat", "ces"]


class MappingConfig(_Model):
    """Everything of a mapping except its name, source and secret (stored as JSON)."""

    kpi: KpiRef | None = Field(
        None, description="The KPI question; its score goes to every answer."
    )
    text_fields: list[CleanStr] = Field(
        min_length=1, max_length=50, description="Open questions: one answer each."
    )
    touchpoint: FieldRef | None = None
    respondent: FieldRef | None = None
    language: FieldRef | None = None
    submitted_at: FieldRef | None = Field(None, description="Default: the platform's time.")
    response_id: FieldRef | None = Field(
        None, description="Default: the platform's response id (generic: required for webhooks)."
    )
    survey: FieldRef | None = Field(None, description="Default: the platform's form/survey id.")
    metadata_fields: list[CleanStr] = Field(
        default_factory=list, max_length=20, description="Copied into each answer's metadata."
    )

    @field_validator("text_fields", "metadata_fields")
    @classmethod
    def _selectors(cls, values: list[str]) -> list[str]:
        for value in values:
            if not value.strip() or len(value) > 300:
                raise ValueError(f"{value!r} is not a field name (1-300 characters)")
            if value.startswith("$"):
                try:
                    parse(value)
                except SelectorError as exc:
                    raise ValueError(str(exc)) from None
        if len(set(values)) != len(values):
            raise ValueError("names a field twice")
        return values

    def used_fields(self) -> set[str]:
        refs = [self.touchpoint, self.respondent, self.language, self.submitted_at]
        refs += [self.response_id, self.survey]
        used = set(self.text_fields) | set(self.metadata_fields)
        used |= {r.field for r in refs if r is not None and r.field}
        if self.kpi is not None:
            used.add(self.kpi.field)
        return used


EXAMPLE_MAPPING: dict[str, Any] = {
    "source": "formbricks",
    "name": "Relationship NPS 2026",
    "secret": "whsec_c2VjcmV0LWZyb20tZm9ybWJyaWNrcw==",
    "kpi": {"field": "nps_score", "type": "nps"},
    "text_fields": ["nps_reason", "improve"],
    "touchpoint": {"field": "hidden.channel", "value": "web"},
    "respondent": {"field": "contact.userId"},
    "language": {"field": "language", "value": "de"},
}


class MappingSpec(MappingConfig):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_MAPPING]})

    source: Source
    name: CleanStr = Field(min_length=1, max_length=200)
    secret: CleanStr | None = Field(
        None,
        min_length=8,
        max_length=500,
        description="Signing secret shared with the platform (Formbricks: its whsec_... secret). "
        "Stored to verify signatures; never returned.",
    )

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        # A whsec_ secret is base64 (Standard Webhooks); a typo would refuse every delivery.
        if value is not None and value.startswith("whsec_"):
            try:
                base64.b64decode(value[len("whsec_") :], validate=True)
            except (binascii.Error, ValueError):
                raise ValueError("a whsec_ secret must be base64 after the prefix") from None
        return value

    def config(self) -> MappingConfig:
        return MappingConfig(**self.model_dump(exclude={"source", "name", "secret"}))


def webhook_path(source: str, mapping_id: str) -> str | None:
    return f"/v1/connectors/{source}/{mapping_id}" if source in WEBHOOK_SOURCES else None


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str
    question_id: str | None = None


@dataclass
class MappedAnswer:
    question_id: str
    payload: dict[str, Any]  # AnswerIn fields, JSON-compatible


@dataclass
class MappedResponse:
    response_id: str | None
    answers: list[MappedAnswer] = field(default_factory=list)
    errors: list[FieldProblem] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def external_id(source: str, response_id: str, question_id: str) -> str:
    key = f"{source}:{response_id}:{question_id}"
    if len(key) <= MAX_EXTERNAL_ID:
        return key
    return f"{source}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def lookup(response: SurveyResponse, selector: str) -> Any:
    if selector in response.values:
        return response.values[selector]
    if response.raw is not None and (selector.startswith("$") or response.source == "generic"):
        try:
            return resolve(response.raw, selector)
        except SelectorError:
            return None
    return None


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() not in _NOT_ANSWERED
    if isinstance(value, list | dict):
        return bool(value)
    return True


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_score(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("is a yes/no value, not a score")
    if isinstance(value, int | float):
        return float(value)
    match = _NUMBER.match(str(value))
    if match is None:
        raise ValueError(f"{str(value)[:40]!r} is not a number")
    return float(match.group(1).replace(",", "."))


def parse_time(value: Any, tz: tzinfo | None = None) -> datetime:
    """ISO 8601, `YYYY-MM-DD HH:MM[:SS]` (Qualtrics, LimeSurvey), `DD.MM.YYYY [HH:MM[:SS]]`;
    naive times are in `tz` (an export's time zone), else UTC."""
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in _TIME_FORMATS:
                try:
                    parsed = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            else:
                raise ValueError(f"{text[:40]!r} is not a date and time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz or UTC)
    return parsed.astimezone(UTC)


def normalise_language(value: Any) -> str | None:
    """'DE', 'de-CH', 'EN_GB' -> 'de', 'de', 'en'; anything else (e.g. 'default') -> None."""
    if not isinstance(value, str):
        return None
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return code if code.isalpha() and 2 <= len(code) <= 3 and code != "default" else None


def _ref(response: SurveyResponse, ref: FieldRef | None, missing: list[str]) -> Any:
    if ref is None:
        return None
    if ref.field:
        value = lookup(response, ref.field)
        if _present(value):
            return value
        if ref.value is None:
            missing.append(ref.field)
    return ref.value


def map_response(
    spec: MappingConfig, response: SurveyResponse, source: str, tz: tzinfo | None = None
) -> MappedResponse:
    """One answer per answered open question; errors name the field at fault."""
    missing: list[str] = []
    errors: list[FieldProblem] = []  # response-level; reported on each answer they stop

    rid = _ref(response, spec.response_id, missing) if spec.response_id else response.response_id
    response_id = _text(rid) if _present(rid) else None
    out = MappedResponse(response_id=response_id, missing=missing)
    used = spec.used_fields()
    out.unmapped = sorted(q for q in response.questions if not {q, f"$.{q}", f"hidden.{q}"} & used)

    kpi: dict[str, Any] | None = None
    if spec.kpi is not None:
        raw = lookup(response, spec.kpi.field)
        if _present(raw):
            try:
                kpi = {"type": spec.kpi.type, "score": parse_score(raw)}
            except ValueError as exc:
                errors.append(FieldProblem("kpi.score", f"KPI field {spec.kpi.field!r} {exc}"))
        else:
            missing.append(spec.kpi.field)

    survey = _ref(response, spec.survey, missing) if spec.survey else response.survey_id
    touchpoint = _ref(response, spec.touchpoint, missing)
    respondent = _ref(response, spec.respondent, missing)
    lang_raw = _ref(response, spec.language, missing) if spec.language else response.language
    submitted_raw = (
        _ref(response, spec.submitted_at, missing) if spec.submitted_at else response.submitted_at
    )
    submitted: str | None = None
    if _present(submitted_raw):
        try:
            submitted = parse_time(submitted_raw, tz).isoformat()
        except ValueError as exc:
            errors.append(FieldProblem("submitted_at", f"submitted_at {exc}"))
    if response_id is None:
        where = spec.response_id.field if spec.response_id and spec.response_id.field else "id"
        errors.append(
            FieldProblem(
                "response_id", f"the response id ({where}) is missing; it keys idempotency"
            )
        )

    metadata: dict[str, Any] = {"source": source, "response_id": response_id}
    for name in spec.metadata_fields:
        value = lookup(response, name)
        if _present(value):
            metadata[name.lstrip("$.")] = value if isinstance(value, int | float) else _text(value)

    for question in spec.text_fields:
        value = lookup(response, question)
        if not _present(value):
            missing.append(question)
            continue
        question_id = question[2:] if question.startswith("$.") else question
        if errors:
            for problem in errors:
                out.errors.append(FieldProblem(problem.field, problem.message, question_id))
            continue
        payload: dict[str, Any] = {
            "external_id": external_id(source, response_id or "", question_id),
            "survey_id": _text(survey) if _present(survey) else None,
            "question_id": question_id,
            "touchpoint": _text(touchpoint) if _present(touchpoint) else None,
            "kpi": kpi,
            "text": _text(value),
            "language": normalise_language(lang_raw),
            "respondent_id": _text(respondent) if _present(respondent) else None,
            "submitted_at": submitted,
            "metadata": metadata,
        }
        out.answers.append(MappedAnswer(question_id, payload))
    return out


__all__ = [
    "SOURCES",
    "FieldProblem",
    "FieldRef",
    "KpiRef",
    "MappedAnswer",
    "MappedResponse",
    "MappingConfig",
    "MappingSpec",
    "external_id",
    "map_response",
    "normalise_language",
    "parse_score",
    "parse_time",
    "webhook_path",
]
