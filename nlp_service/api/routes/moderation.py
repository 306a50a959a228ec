"""/v1/moderation: the queue of flagged answers and posts, and decisions (audited)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from nlp_service.api.deps import (
    AUTH_ERRORS,
    INPUT_ERRORS,
    NOT_FOUND,
    QUERY_ERRORS,
    Moderator,
    State,
)
from nlp_service.api.views import audit_out, moderation_item
from nlp_service.schemas import AuditOut, DecisionIn, DecisionOut, ModerationQueueOut
from nlp_service.services import moderation
from nlp_service.store.moderation import OPEN_STATUSES

router = APIRouter(prefix="/v1/moderation", tags=["moderation"])
QueueStatus = Literal["pending", "escalated", "approved", "hidden"]


@router.get(
    "/queue",
    summary="Flagged items awaiting a decision",
    description="Answers and posts with flags, most severe first, then oldest first; each with "
    "its reasons and, for posts, the thread title and the posts just before it.",
    response_model=ModerationQueueOut,
    responses={**AUTH_ERRORS, **QUERY_ERRORS},
)
async def queue(
    state: State,
    principal: Moderator,
    status: Annotated[
        list[QueueStatus] | None, Query(description="Default: pending and escalated")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ModerationQueueOut:
    statuses = tuple(status) if status else OPEN_STATUSES
    items = await state.read(
        lambda s: [
            moderation_item(i.entry, i.context)
            for i in moderation.queue(s, principal.tenant_id, statuses, limit)
        ]
    )
    return ModerationQueueOut(items=items)


@router.post(
    "/items/{item_id}/decision",
    summary="Decide on a flagged item",
    description="approve (stays visible), hide (excluded from lists and insights) or escalate "
    "(stays in the queue). Every decision is appended to the audit log with who, when, "
    "what, and the state before and after; decisions on one item are serialised.",
    response_model=DecisionOut,
    responses={**AUTH_ERRORS, **NOT_FOUND, **INPUT_ERRORS},
)
async def decide(item_id: str, body: DecisionIn, state: State, principal: Moderator) -> DecisionOut:
    record = await state.write(
        lambda s: moderation.decide(
            s, principal.tenant_id, item_id, body.action, body.note, principal.actor
        )
    )
    return DecisionOut(
        item_id=item_id,
        status=record.after["moderation_status"],
        hidden=record.after["is_hidden"],
        audit=audit_out(record),
    )


@router.get(
    "/items/{item_id}/audit",
    summary="Audit trail of one item",
    response_model=list[AuditOut],
    responses={**AUTH_ERRORS, **NOT_FOUND},
)
async def audit(item_id: str, state: State, principal: Moderator) -> list[AuditOut]:
    records = await state.read(lambda s: moderation.audit(s, principal.tenant_id, item_id))
    return [audit_out(r) for r in records]
