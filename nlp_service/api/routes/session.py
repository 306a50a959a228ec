"""/v1/me: who the key belongs to and what it may do (the web UI picks its screens by this)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from nlp_service.api.auth import require
from nlp_service.schemas import ErrorOut, SessionOut
from nlp_service.store import Principal
from nlp_service.store.tenants import ROLES

router = APIRouter(tags=["session"])


@router.get(
    "/v1/me",
    summary="The calling key's tenant and roles",
    description="Any valid key may call this; a missing or invalid key is a 401.",
    response_model=SessionOut,
    responses={401: {"model": ErrorOut, "description": "Missing or invalid API key"}},
)
async def me(principal: Annotated[Principal, Depends(require(*ROLES))]) -> SessionOut:
    return SessionOut(
        tenant_id=principal.tenant_id,
        roles=[r for r in ROLES if r in principal.roles],
        key_prefix=principal.key_prefix,
        key_name=principal.key_name,
    )
