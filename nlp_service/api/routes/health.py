"""/healthz (process alive), /readyz (models loaded, database reachable), /metrics."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from nlp_service.api.auth import require
from nlp_service.api.deps import AUTH_ERRORS
from nlp_service.api.state import ServiceState, get_state
from nlp_service.schemas import HealthOut
from nlp_service.store.jobs import QueueState, queue_state

router = APIRouter(tags=["operations"])
State = Annotated[ServiceState, Depends(get_state)]


@router.get("/healthz", summary="Liveness", response_model=HealthOut)
async def healthz() -> HealthOut:
    return HealthOut(status="ok")


# A job queued this long without a worker taking it means no worker runs (NLP_SERVICE_JOBS=worker
# and no `nlp-service worker` process, or every worker is busy or stuck).
STALLED_QUEUE_SECONDS = 120.0


@router.get(
    "/readyz",
    summary="Readiness: models loaded, database reachable, job queue served",
    description="`checks.jobs` reports the queue (queued/running jobs, whether a worker takes "
    "them); it is informative and does not make the service unready, since answers are "
    "ingested without it.",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "Not ready (see checks)"}},
)
async def readyz(state: State, response: Response) -> HealthOut:
    checks = {"models": "ok" if state.ready else "loading"}

    def ping() -> QueueState:
        with state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        with state.sessions() as session:
            return queue_state(session)

    try:
        queue = await state.blocking(ping)
        checks["database"] = "ok"
        checks["jobs"] = _jobs_check(state, queue)
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    ok = checks["models"] == "ok" and checks["database"] == "ok"
    response.status_code = 200 if ok else 503
    return HealthOut(status="ok" if ok else "unavailable", checks=checks)


def _jobs_check(state: ServiceState, queue: QueueState) -> str:
    where = "in-process worker" if state.worker is not None else "worker processes"
    if state.worker is not None and not state.worker.alive and state.ready:
        return f"in-process worker stopped ({queue.queued} queued)"
    if (
        queue.oldest_queued_seconds is not None
        and queue.oldest_queued_seconds > STALLED_QUEUE_SECONDS
    ):
        return (
            f"stalled: {queue.queued} queued, oldest waiting {queue.oldest_queued_seconds:.0f}s "
            f"({where}: is one running?)"
        )
    return "ok"


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    description="Needs an admin key, or `Authorization: Bearer <NLP_SERVICE_METRICS_TOKEN>` for "
    "a scraper; open to anyone only with NLP_SERVICE_METRICS_PUBLIC=true.",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {"example": "nlp_batch_queue_depth 0.0\n"}}},
        **AUTH_ERRORS,
    },
)
async def metrics(request: Request, state: State) -> Response:
    if not state.settings.metrics_public:
        token = state.settings.metrics_token
        given = request.headers.get("authorization", "")[7:].strip()
        if not (token and given and hmac.compare_digest(given.encode(), token.encode())):
            await require("admin")(request)
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
