"""Prometheus metrics (one registry per app, so several apps can live in one test process),
structured JSON logs (structlog), and one ASGI middleware that times, counts and logs every
request and rejects oversized bodies before they are read."""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nlp_service.errors import TooLarge

_configured = False


def configure_logging(json_logs: bool = True, level: int = logging.INFO) -> None:
    """Idempotent: structlog renders one JSON object per line on stderr."""
    global _configured
    if _configured:
        return
    renderer: Any = (
        structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    )
    shared: list[Any] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    # Records of other libraries (uvicorn, alembic) come out in the same JSON shape.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        )
    )
    # Only these loggers: the root logger stays as the host (e.g. pytest) configured it.
    for name, name_level in (("uvicorn", level), ("alembic", logging.WARNING)):
        lib = logging.getLogger(name)
        lib.handlers = [handler]
        lib.setLevel(name_level)
        lib.propagate = False
    for child in ("uvicorn.error", "uvicorn.access"):
        logging.getLogger(child).handlers = []
        logging.getLogger(child).propagate = True
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            *shared,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    _configured = True


log = structlog.get_logger("nlp_service.api")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "nlp_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "nlp_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=r,
        )
        self.batch_size = Histogram(
            "nlp_model_batch_size",
            "Answers per model call",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
            registry=r,
        )
        self.batch_seconds = Histogram(
            "nlp_model_batch_duration_seconds",
            "Seconds per model call",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=r,
        )
        self.group_size = Histogram(
            "nlp_store_group_size",
            "Single requests' rows per group commit (one transaction)",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
            registry=r,
        )
        self.queue_depth = Gauge(
            "nlp_batch_queue_depth", "Answers waiting for or inside the model", registry=r
        )
        self.ingested = Counter(
            "nlp_entries_total", "Answers and posts by outcome", ["kind", "outcome"], registry=r
        )
        self.in_progress = Gauge(
            "nlp_http_requests_in_progress", "HTTP requests being handled", registry=r
        )
        self.rejected = Counter(
            "nlp_overload_rejections_total", "Requests refused with 503 (queue full)", registry=r
        )

    def observe_batch(self, size: int, seconds: float) -> None:
        self.batch_size.observe(size)
        self.batch_seconds.observe(seconds)

    def observe_group(self, size: int, _seconds: float) -> None:
        self.group_size.observe(size)

    def track_queue(self, depth: Callable[[], int]) -> None:
        self.queue_depth.set_function(lambda: float(depth()))


def _error_body(exc: TooLarge) -> bytes:
    return json.dumps({"error": exc.to_dict()}).encode()


class RequestMiddleware:
    """Per request: id, latency, count, one log line; 413 for bodies over `max_body_bytes`."""

    def __init__(self, app: ASGIApp, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        headers = dict(scope.get("headers") or [])
        request_id = headers.get(b"x-request-id", b"").decode("latin-1") or uuid.uuid4().hex
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            length = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            length = 0
        self.metrics.in_progress.inc()
        try:
            if length > self.max_body:
                await self._reject(send_wrapper, length)
            else:
                await self.app(scope, self._limited(receive), send_wrapper)
        finally:
            self.metrics.in_progress.dec()
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            elapsed = time.perf_counter() - start
            self.metrics.requests.labels(scope["method"], template, str(status)).inc()
            self.metrics.latency.labels(scope["method"], template).observe(elapsed)
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                route=template,
                status=status,
                duration_ms=round(elapsed * 1000, 2),
                request_id=request_id,
            )

    def _limited(self, receive: Receive) -> Receive:
        seen = 0

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise TooLarge(self._message(seen), field="body")
            return message

        return wrapped

    def _message(self, size: int) -> str:
        return (
            f"request body of {size} bytes exceeds the limit of {self.max_body} bytes "
            "(NLP_SERVICE_MAX_BODY_BYTES)"
        )

    async def _reject(self, send: Send, size: int) -> None:
        body = _error_body(TooLarge(self._message(size), field="body"))
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
