"""Which topic model assigns a tenant's answers: its own active refit (`tenant-<id>` under
<data_dir>/topics), else the bundled demo model (models/topics/demo), else none.

Loaded models are cached; a refit in this process swaps the cache entry atomically, and a
version activated elsewhere (CLI) is picked up within `RECHECK_SECONDS`.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import structlog

from nlp_service.config import Settings

RECHECK_SECONDS = 10.0
DEMO_NAME = "demo"
log = structlog.get_logger("nlp_service.api")


def tenant_model_name(tenant_id: str) -> str:
    return f"tenant-{tenant_id}"


class TopicProvider:
    def __init__(self, settings: Settings, embedder_id: str) -> None:
        self.tenant_root = Path(settings.data_dir) / "topics"
        self.demo_root = Path(settings.models_dir) / "topics"
        self.embedder_id = embedder_id
        self._lock = threading.Lock()
        # tenant id -> (checked at, active version, model)
        self._cache: dict[str, tuple[float, str | None, Any]] = {}
        self._demo: Any = None
        self._demo_loaded = False

    def registry(self) -> Any:
        from nlp_service.analysis.topics import TopicRegistry

        return TopicRegistry(self.tenant_root)

    def _compatible(self, model: Any, source: str) -> Any:
        if model is not None and model.embedder_id != self.embedder_id:
            log.warning(
                "topic model ignored: embedder mismatch",
                source=source,
                model_embedder=model.embedder_id,
                embedder=self.embedder_id,
            )
            return None
        return model

    def demo(self) -> Any:
        if not self._demo_loaded:
            model = None
            try:
                from nlp_service.analysis.topics import TopicRegistry

                registry = TopicRegistry(self.demo_root)
                if registry.active_version(DEMO_NAME) or registry.versions(DEMO_NAME):
                    version = registry.active_version(DEMO_NAME) or registry.versions(DEMO_NAME)[-1]
                    model = registry.load(DEMO_NAME, version)
            except Exception as exc:  # a broken demo artifact must not stop ingestion
                log.warning("demo topic model not loaded", error=repr(exc))
            self._demo = self._compatible(model, "demo")
            self._demo_loaded = True
        return self._demo

    def cached(self, tenant_id: str) -> tuple[bool, Any]:
        """(hit, model) without touching the disk: lets the event loop skip a thread hop."""
        hit = self._cache.get(tenant_id)
        if hit is None or time.monotonic() - hit[0] >= RECHECK_SECONDS:
            return False, None
        if hit[2] is not None:
            return True, hit[2]
        return (True, self._demo) if self._demo_loaded else (False, None)

    def get(self, tenant_id: str) -> Any:
        """The tenant's topic model (a TopicAssigner) or None. Blocking: call off the loop."""
        now = time.monotonic()
        hit = self._cache.get(tenant_id)
        if hit is not None and now - hit[0] < RECHECK_SECONDS:
            return hit[2] if hit[2] is not None else self.demo()
        try:
            registry = self.registry()
            name = tenant_model_name(tenant_id)
            version = registry.active_version(name)
        except ImportError:
            return None
        if hit is not None and hit[1] == version:
            model = hit[2]
        else:
            model = self._compatible(registry.load(name, version), name) if version else None
        with self._lock:
            self._cache[tenant_id] = (now, version, model)
        return model if model is not None else self.demo()

    def activate(self, tenant_id: str, version: str, model: Any) -> None:
        """Switch the tenant to a new version: pointer file first, then the in-process cache."""
        self.registry().activate(tenant_model_name(tenant_id), version)
        with self._lock:
            self._cache[tenant_id] = (time.monotonic(), version, model)

    def current(self, tenant_id: str) -> Any:
        """The tenant's own active model (no demo fallback), e.g. as a refit's predecessor."""
        version = self.registry().active_version(tenant_model_name(tenant_id))
        return self.registry().load(tenant_model_name(tenant_id), version) if version else None
