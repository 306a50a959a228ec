"""/v1/moderation: the queue of flagged answers and posts, and decisions (audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from nlp_service.api.auth import MODERATE, require
from nlp_service.api.routes.answers import AUTH_ERRORS, INPUT_ERRORS, NOT_FOUND
from nlp_service.api.state import ServiceState, get_state
from nlp_service.api.views import audit_out, moderation_item
from nlp_service.schemas import AuditOut, DecisionIn, DecisionOut, ModerationQueueOut
from nlp_service.store import EntryRepository, ModerationRepository, Principal, ThreadRepository
from nlp_service.store.moderation import OPEN_STATUSES

router = APIRouter(prefix="/v1/moderation", tags=["moderation"])
State = Annotated[ServiceState, Depends(get_state)]
CONTEXT_POSTS = 3


@router.get(
    "/queue",
    summary="Flagged items awaiting a decision",
    description="Answers and posts with flags, most severe first, then oldest first; each with "
    "its reasons and, for posts, the thread title and the posts just before it.",
    response_model=ModerationQueueOut,
    responses={**AUTH_ERRORS, 422: INPUT_ERRORS[422]},
)
async def queue(
    state: State,
    principal: Annotated[Principal, Depends(require(*MODERATE))],
    status: Annotated[list[str] | None, Query(description="Default: pending and escalated")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ModerationQueueOut:
    statuses = tuple(status) if status else OPEN_STATUSES

    def load(session: Session):  # type: ignore[no-untyped-def]
        entries = ModerationRepository(session, principal.tenant_id).queue(statuses, limit)
        threads = ThreadRepository(session, principal.tenant_id)
        return [
            moderation_item(
                e,
                threads.posts(e.thread, before_seq=e.seq, limit=CONTEXT_POSTS) if e.thread else [],
            )
            for e in entries
        ]

    return ModerationQueueOut(items=await state.read(load))


@router.post(
    "/items/{item_id}/decision",
    summary="Decide on a flagged item",
    description="approve (stays visible), hide (excluded from lists and insights) or escalate "
    "(stays in the queue). Every decision is appended to the audit log with who, when, "
    "what, and the state before and after.",
    response_model=DecisionOut,
    responses={**AUTH_ERRORS, **NOT_FOUND, 422: INPUT_ERRORS[422]},
)
async def decide(
    item_id: str,
    body: DecisionIn,
    state: State,
    principal: Annotated[Principal, Depends(require(*MODERATE))],
) -> DecisionOut:
    record = await state.write(
        lambda s: ModerationRepository(s, principal.tenant_id).decide(
            item_id, body.action, body.note, principal.key_prefix
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
async def audit(
    item_id: str, state: State, principal: Annotated[Principal, Depends(require(*MODERATE))]
) -> list[AuditOut]:
    def load(session: Session):  # type: ignore[no-untyped-def]
        EntryRepository(session, principal.tenant_id).get(item_id)  # 404 for others' ids
        return ModerationRepository(session, principal.tenant_id).audit(item_id)

    return [audit_out(r) for r in await state.read(load)]
