"""/v1/connectors: survey mappings (tenant API keys) and the platforms' webhook receivers
(no API key: the signature authenticates the sender, the mapping names the tenant)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from nlp_service.api.deps import (
    AUTH_ERRORS,
    INPUT_ERRORS,
    NOT_FOUND,
    Ingester,
    Responses,
    State,
)
from nlp_service.connector_schemas import (
    MappingList,
    MappingOut,
    WebhookOut,
    webhook_out,
)
from nlp_service.connectors.mapping import MappingSpec
from nlp_service.connectors.payloads import WEBHOOK_SOURCES
from nlp_service.errors import NotFound, TooLarge
from nlp_service.schemas import ErrorOut
from nlp_service.services import connectors as service
from nlp_service.store.connectors import MappingRepository

router = APIRouter(prefix="/v1/connectors", tags=["connectors"])
CONFLICT: Responses = {409: {"model": ErrorOut, "description": "A mapping with this name exists"}}


def _out(row: object) -> MappingOut:
    return MappingOut(**service.describe(row))  # type: ignore[arg-type]


@router.post(
    "/mappings",
    summary="Create a survey mapping",
    description="Which question is the KPI, which are open text, where the touchpoint, "
    "respondent and language come from. Answers 201 with the `webhook_url` to paste into the "
    "platform. The secret is stored to verify signatures and never returned.",
    response_model=MappingOut,
    status_code=201,
    responses={**AUTH_ERRORS, **INPUT_ERRORS, **CONFLICT},
)
async def create_mapping(body: MappingSpec, state: State, principal: Ingester) -> MappingOut:
    row = await state.write(lambda s: service.create_mapping(s, principal.tenant_id, body))
    return _out(row)


@router.get(
    "/mappings",
    summary="List the tenant's mappings",
    response_model=MappingList,
    responses=AUTH_ERRORS,
)
async def list_mappings(state: State, principal: Ingester) -> MappingList:
    rows = await state.read(lambda s: MappingRepository(s, principal.tenant_id).list())
    return MappingList(items=[_out(r) for r in rows])


@router.get(
    "/mappings/{mapping_id}",
    summary="Read a mapping (without its secret)",
    response_model=MappingOut,
    responses={**AUTH_ERRORS, **NOT_FOUND},
)
async def get_mapping(mapping_id: str, state: State, principal: Ingester) -> MappingOut:
    row = await state.read(lambda s: MappingRepository(s, principal.tenant_id).get(mapping_id))
    return _out(row)


@router.put(
    "/mappings/{mapping_id}",
    summary="Replace a mapping",
    description="The whole mapping; an omitted `secret` keeps the stored one (set it here "
    "once the platform has generated it, e.g. Formbricks' whsec_... secret).",
    response_model=MappingOut,
    responses={**AUTH_ERRORS, **INPUT_ERRORS, **NOT_FOUND, **CONFLICT},
)
async def put_mapping(
    mapping_id: str, body: MappingSpec, state: State, principal: Ingester
) -> MappingOut:
    row = await state.write(
        lambda s: service.update_mapping(s, principal.tenant_id, mapping_id, body)
    )
    return _out(row)


@router.delete(
    "/mappings/{mapping_id}",
    summary="Delete a mapping (its webhook URL stops working; stored answers stay)",
    status_code=204,
    responses={**AUTH_ERRORS, **NOT_FOUND},
)
async def delete_mapping(mapping_id: str, state: State, principal: Ingester) -> Response:
    await state.write(lambda s: MappingRepository(s, principal.tenant_id).delete(mapping_id))
    return Response(status_code=204)


@router.post(
    "/{source}/{mapping_id}",
    summary="Webhook receiver for a survey platform",
    description="The platform's own payload, once per response (Formbricks `responseCreated` / "
    "`responseUpdated` / `responseFinished`, Typeform `form_response`, or any JSON for "
    "`generic`). Signed with the mapping's secret: Standard Webhooks headers (`webhook-id`, "
    "`webhook-timestamp`, `webhook-signature`) for Formbricks and generic, "
    "`Typeform-Signature` for Typeform, or `X-Signature: sha256=<hex>` for generic. A bad "
    "signature is 401 and stores nothing. One answer per mapped open question; repeats change "
    "nothing, a changed text updates the answer (its previous version is kept).",
    response_model=WebhookOut,
    responses={
        401: {"model": ErrorOut, "description": "Missing, wrong or expired signature"},
        **NOT_FOUND,
        **INPUT_ERRORS,
        503: {"model": ErrorOut, "description": "Analysis queue full; the platform retries"},
    },
)
async def receive_webhook(
    source: str, mapping_id: str, request: Request, state: State
) -> WebhookOut:
    if source not in WEBHOOK_SOURCES:
        raise NotFound(
            f"no webhook receiver for {source!r} (one of {', '.join(WEBHOOK_SOURCES)})",
            field="source",
        )
    limit = state.settings.webhook_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"webhook bodies are limited to {limit} bytes", field="body")
    body = await request.body()
    if len(body) > limit:
        raise TooLarge(f"webhook bodies are limited to {limit} bytes", field="body")
    outcome = await state.connectors.receive(source, mapping_id, request.headers, body)
    return webhook_out(outcome)
