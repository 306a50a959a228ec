"""Survey platforms' webhooks and mappings: the use cases behind /v1/connectors and the CLI.

    receive(source, mapping_id, headers, body)
      -> the mapping (the id in the URL names the tenant) -> signature check with its secret
      -> the platform's payload -> map_response -> one answer per open question
      -> ConnectorIngest: new answers through services.ingest (the same idempotency, redaction
         and analysis as /v1/answers); changed answers re-analysed and replaced, with a revision

Nothing is read from the payload before its signature is verified, and a refused request stores
nothing. The secret never appears in a response or a log line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import structlog
from anyio import to_thread
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session, sessionmaker

from nlp_service.analysis.results import Analysis, TopicAssigner
from nlp_service.connectors import signatures
from nlp_service.connectors.mapping import MappedAnswer, MappingConfig, MappingSpec, map_response
from nlp_service.connectors.payloads import PayloadError, SurveyResponse, parse_webhook
from nlp_service.errors import InvalidInput, NotFound, ServiceError, Unauthorized
from nlp_service.schemas import AnswerIn
from nlp_service.services.ingest import IngestItem, IngestService, build_item
from nlp_service.services.topics import TopicProvider
from nlp_service.store import EntryRepository, Principal, transaction
from nlp_service.store.connectors import MappingRepository, mapping_for_webhook
from nlp_service.store.models import ConnectorMapping, Entry, as_utc
from nlp_service.store.revisions import replace_analysis

log = structlog.get_logger("nlp_service.connectors")
_answer_in = TypeAdapter(AnswerIn)
Status = Literal["created", "existing", "updated", "error"]


@dataclass
class AnswerResult:
    question_id: str | None
    status: Status
    entry: Entry | None = None
    error: ServiceError | None = None
    row: int | None = None


@dataclass
class WebhookOutcome:
    mapping_id: str
    response_id: str | None
    event: str | None
    results: list[AnswerResult]
    unmapped: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


# --- mappings -------------------------------------------------------------------------------


def create_mapping(session: Session, tenant_id: str, spec: MappingSpec) -> ConnectorMapping:
    return MappingRepository(session, tenant_id).create(
        spec.source, spec.name, spec.secret, spec.config().model_dump(mode="json")
    )


def update_mapping(
    session: Session, tenant_id: str, mapping_id: str, spec: MappingSpec
) -> ConnectorMapping:
    return MappingRepository(session, tenant_id).update(
        mapping_id, spec.source, spec.name, spec.secret, spec.config().model_dump(mode="json")
    )


def mapping_config(row: ConnectorMapping) -> MappingConfig:
    return MappingConfig.model_validate(row.config)


def connector_principal(row: ConnectorMapping, keep_raw: bool) -> Principal:
    """Who writes a webhook's answers: the mapping, on behalf of its tenant."""
    return Principal(
        tenant_id=row.tenant_id,
        roles=frozenset({"ingest"}),
        key_prefix=f"mapping:{row.id}"[:64],
        keep_raw=keep_raw,
        key_name=f"mapping {row.name}"[:100],
    )


# --- ingestion with updates -----------------------------------------------------------------


class ConnectorIngest:
    """Mapped answers -> stored answers. New or unchanged answers take the /v1/answers path
    (IngestService); an answer whose response changed is re-analysed and replaced in place."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        ingest: IngestService,
        topics: TopicProvider,
        max_chars: int,
    ) -> None:
        self.sessions = sessions
        self.ingest = ingest
        self.topics = topics
        self.max_chars = max_chars

    async def topic_model(self, tenant_id: str) -> TopicAssigner | None:
        hit, model = self.topics.cached(tenant_id)
        return model if hit else await to_thread.run_sync(self.topics.get, tenant_id)

    def prepare(
        self, principal: Principal, answer: MappedAnswer, topics: TopicAssigner | None
    ) -> IngestItem | ServiceError:
        try:
            payload = _answer_in.validate_python(answer.payload)
            return build_item(principal, "answer", payload, topics, self.max_chars)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or None
            return InvalidInput(f"{where}: {err['msg']}", field=where)
        except ServiceError as exc:
            return exc

    def _stored_hashes(self, tenant_id: str, ids: list[str]) -> dict[str, tuple[str, str]]:
        with self.sessions() as session:
            found = EntryRepository(session, tenant_id).by_external_ids("answer", ids)
            return {k: (e.id, e.content_hash) for k, e in found.items()}

    def _replace(
        self,
        principal: Principal,
        rows: Sequence[tuple[str, IngestItem, Analysis]],
        reason: str,
    ) -> list[tuple[Entry, bool] | ServiceError]:
        out: list[tuple[Entry, bool] | ServiceError] = []
        with transaction(self.sessions) as session:
            for entry_id, item, analysis in rows:
                try:
                    with session.begin_nested():
                        out.append(
                            replace_analysis(
                                session,
                                principal.tenant_id,
                                entry_id,
                                item.new,
                                analysis,
                                keep_raw=principal.keep_raw,
                                reason=reason,
                            )
                        )
                except ServiceError as exc:
                    out.append(exc)
        return out

    async def store_answers(
        self,
        principal: Principal,
        answers: Sequence[tuple[MappedAnswer, int | None]],
        reason: str,
    ) -> list[AnswerResult]:
        """Per answer, in input order: created, existing (same content), updated or error."""
        topics = await self.topic_model(principal.tenant_id)
        prepared = [self.prepare(principal, a, topics) for a, _ in answers]
        ids = [
            p.new.external_id for p in prepared if isinstance(p, IngestItem) and p.new.external_id
        ]
        stored = await to_thread.run_sync(self._stored_hashes, principal.tenant_id, ids)
        results: list[AnswerResult | None] = [None] * len(answers)
        fresh: list[tuple[int, IngestItem | ServiceError]] = []
        changed: list[tuple[int, str, IngestItem]] = []
        for i, ((answer, row), item) in enumerate(zip(answers, prepared, strict=True)):
            if isinstance(item, ServiceError):
                results[i] = AnswerResult(answer.question_id, "error", error=item, row=row)
                continue
            hit = stored.get(item.new.external_id or "")
            if hit is not None and hit[1] != item.new.content_hash:
                changed.append((i, hit[0], item))
            else:
                fresh.append((i, item))
        if fresh:
            outcomes = await self.ingest.ingest_many([item for _, item in fresh])
            for (i, _), outcome in zip(fresh, outcomes, strict=True):
                answer, row = answers[i]
                if isinstance(outcome, ServiceError):
                    results[i] = AnswerResult(answer.question_id, "error", error=outcome, row=row)
                else:
                    status: Status = "created" if outcome[1] else "existing"
                    results[i] = AnswerResult(answer.question_id, status, outcome[0], row=row)
        if changed:
            analyses = await self.ingest.analyzer.run_many([c[2].analysis_input for c in changed])
            to_store: list[tuple[int, str, IngestItem, Analysis]] = []
            for (i, entry_id, item), analysis in zip(changed, analyses, strict=True):
                if isinstance(analysis, ServiceError):
                    answer, row = answers[i]
                    results[i] = AnswerResult(answer.question_id, "error", error=analysis, row=row)
                else:
                    to_store.append((i, entry_id, item, analysis))
            replaced = await to_thread.run_sync(
                self._replace, principal, [(e, it, a) for _, e, it, a in to_store], reason
            )
            for (i, _, _, _), outcome in zip(to_store, replaced, strict=True):
                answer, row = answers[i]
                if isinstance(outcome, ServiceError):
                    results[i] = AnswerResult(answer.question_id, "error", error=outcome, row=row)
                else:
                    status = "updated" if outcome[1] else "existing"
                    results[i] = AnswerResult(answer.question_id, status, outcome[0], row=row)
        return [r for r in results if r is not None]


# --- webhooks -------------------------------------------------------------------------------


def verify(
    source: str, secret: str, headers: Mapping[str, str], body: bytes, tolerance: int
) -> None:
    try:
        if source == "formbricks":
            signatures.verify_standard(secret, headers, body, tolerance=tolerance)
        elif source == "typeform":
            signatures.verify_typeform(secret, headers, body)
        else:
            signatures.verify_generic(secret, headers, body, tolerance=tolerance)
    except signatures.SignatureError as exc:
        raise Unauthorized(str(exc), field="signature") from None


class ConnectorService:
    def __init__(self, sessions: sessionmaker[Session], ingest: ConnectorIngest, tolerance: int):
        self.sessions = sessions
        self.ingest = ingest
        self.tolerance = tolerance

    def _mapping(self, source: str, mapping_id: str) -> tuple[ConnectorMapping, bool]:
        with self.sessions() as session:
            row, keep_raw = mapping_for_webhook(session, mapping_id)
        if row.source != source:
            raise NotFound(f"mapping {mapping_id!r} not found for {source}", field="mapping_id")
        return row, keep_raw

    async def receive(
        self, source: str, mapping_id: str, headers: Mapping[str, str], body: bytes
    ) -> WebhookOutcome:
        row, keep_raw = await to_thread.run_sync(self._mapping, source, mapping_id)
        if not row.secret:
            raise Unauthorized(
                "this mapping has no secret yet; set the platform's signing secret with "
                "PUT /v1/connectors/mappings/{id}",
                field="signature",
            )
        try:
            verify(source, row.secret, headers, body, self.tolerance)
        except Unauthorized as exc:
            # Worth watching (a misconfigured secret or someone probing); never the secret.
            log.warning("webhook refused", source=source, mapping=row.id, reason=exc.message)
            raise
        try:
            response: SurveyResponse = parse_webhook(source, body)
        except PayloadError as exc:
            raise InvalidInput(exc.message, field=exc.field) from None
        mapped = map_response(mapping_config(row), response, source)
        principal = connector_principal(row, keep_raw)
        reason = f"{source}:{response.event or 'webhook'}"
        results = [
            AnswerResult(p.question_id, "error", error=InvalidInput(p.message, field=p.field))
            for p in mapped.errors
        ]
        if mapped.answers:
            results = (
                await self.ingest.store_answers(
                    principal, [(a, None) for a in mapped.answers], reason
                )
                + results
            )
        log.info(
            "webhook received",
            source=source,
            mapping=row.id,
            tenant=row.tenant_id,
            platform_event=response.event,
            answers=len(results),
            statuses=[r.status for r in results],
            unmapped=len(mapped.unmapped),
        )
        return WebhookOutcome(
            row.id,
            mapped.response_id,
            response.event,
            results,
            mapped.unmapped,
            sorted(set(mapped.missing)),
        )


def describe(row: ConnectorMapping) -> dict[str, Any]:
    """A mapping as the API and CLI show it: everything but the secret."""
    from nlp_service.connectors.mapping import webhook_path

    return {
        "id": row.id,
        "source": row.source,
        "name": row.name,
        "webhook_url": webhook_path(row.source, row.id),
        "has_secret": bool(row.secret),
        **row.config,
        "created_at": as_utc(row.created_at),
        "updated_at": as_utc(row.updated_at),
    }
