"""/healthz (process alive), /readyz (models loaded, database reachable), /metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from nlp_service.api.state import ServiceState, get_state
from nlp_service.schemas import HealthOut

router = APIRouter(tags=["operations"])
State = Annotated[ServiceState, Depends(get_state)]


@router.get("/healthz", summary="Liveness", response_model=HealthOut)
async def healthz() -> HealthOut:
    return HealthOut(status="ok")


@router.get(
    "/readyz",
    summary="Readiness: models loaded and database reachable",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "Not ready (see checks)"}},
)
async def readyz(state: State, response: Response) -> HealthOut:
    checks = {"models": "ok" if state.ready else "loading"}

    def ping() -> None:
        with state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    try:
        await state.blocking(ping)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    response.status_code = 200 if ok else 503
    return HealthOut(status="ok" if ok else "unavailable", checks=checks)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"example": "nlp_batch_queue_depth 0.0\n"}}}},
)
async def metrics(state: State) -> Response:
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
