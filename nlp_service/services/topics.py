"""Which topic model assigns a tenant's answers — the one rule, used by the API and the CLI:

    the tenant's active version (in the database, shared by every process of the service),
    else the starter codebook (NLP_SERVICE_DEFAULT_CODEBOOK), else none.

Loaded models are cached per process; the active version is re-read from the database at most
every `topic_recheck_seconds`, so a refit finished by any process (API or worker) is served by
every process within that time.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import structlog
from sqlalchemy.orm import Session, sessionmaker

from nlp_service.config import Settings
from nlp_service.store import transaction
from nlp_service.store.topic_models import TopicModelRepository

if TYPE_CHECKING:
    from nlp_service.analysis.topics import TopicModel

log = structlog.get_logger("nlp_service.services")


# The job kind of a topic refit: queued and run by services/refits.py, and checked by
# services/codebook.py (edits wait for no refit), which refits.py itself imports.
REFIT_JOB_KIND = "topic_refit"


def tenant_model_name(tenant_id: str) -> str:
    return f"tenant-{tenant_id}"


def load_default_model(settings: Settings, embedder_id: str) -> TopicModel | None:
    """The model tenants start with before their first refit: the starter codebook
    (NLP_SERVICE_DEFAULT_CODEBOOK). The airline demo model is a demo, never a tenant default."""
    from nlp_service.analysis.codebook import default_codebook

    return default_codebook(settings, embedder_id)


class TopicProvider:
    def __init__(
        self, settings: Settings, sessions: sessionmaker[Session], embedder_id: str
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.embedder_id = embedder_id
        self.recheck_seconds = settings.topic_recheck_seconds
        self._lock = threading.Lock()
        # tenant id -> (checked at, active version, the tenant's own model or None)
        self._cache: dict[str, tuple[float, str | None, TopicModel | None]] = {}
        self._default: TopicModel | None = None
        self._default_loaded = False

    def default(self) -> TopicModel | None:
        if not self._default_loaded:
            try:
                self._default = load_default_model(self.settings, self.embedder_id)
            except Exception as exc:  # a broken default artifact must not stop ingestion
                log.warning("default topic model not loaded", error=repr(exc))
            self._default_loaded = True
        return self._default

    def cached(self, tenant_id: str) -> tuple[bool, TopicModel | None]:
        """(hit, model) without touching the database: lets the event loop skip a thread hop."""
        hit = self._cache.get(tenant_id)
        if hit is None or time.monotonic() - hit[0] >= self.recheck_seconds:
            return False, None
        if hit[2] is not None:
            return True, hit[2]
        return (True, self._default) if self._default_loaded else (False, None)

    def get(self, tenant_id: str) -> TopicModel | None:
        """The model that assigns the tenant's answers. Blocking: call off the event loop."""
        now = time.monotonic()
        hit = self._cache.get(tenant_id)
        if hit is not None and now - hit[0] < self.recheck_seconds:
            return hit[2] if hit[2] is not None else self.default()
        with self.sessions() as session:
            repo = TopicModelRepository(session, tenant_id)
            version = repo.active_version()
            if hit is not None and hit[1] == version:
                model = hit[2]
            else:
                model = self._load(repo, version) if version else None
        with self._lock:
            self._cache[tenant_id] = (now, version, model)
        return model if model is not None else self.default()

    def _load(self, repo: TopicModelRepository, version: str) -> TopicModel | None:
        from nlp_service.analysis.topics import TopicModel

        stored = repo.load(version)
        if stored is None:
            return None
        model = TopicModel.from_files(stored.files, f"topic model {version} of {repo.tenant_id}")
        if model.embedder_id != self.embedder_id:
            log.warning(
                "tenant topic model ignored: embedder mismatch",
                tenant=repo.tenant_id,
                model_embedder=model.embedder_id,
                embedder=self.embedder_id,
            )
            return None
        return model

    def own(self, tenant_id: str, version: str | None = None) -> TopicModel | None:
        """The tenant's own model (active one by default), without the default fallback."""
        with self.sessions() as session:
            repo = TopicModelRepository(session, tenant_id)
            name = version or repo.active_version()
            return self._load(repo, name) if name else None

    def versions(self, tenant_id: str) -> tuple[list[str], str | None]:
        with self.sessions() as session:
            repo = TopicModelRepository(session, tenant_id)
            return repo.versions(), repo.active_version()

    def save(self, tenant_id: str, model: TopicModel) -> str:
        """Store a new version (not active yet); returns its version."""
        with transaction(self.sessions) as session:
            TopicModelRepository(session, tenant_id).add(
                model.version, model.embedder_id, model.to_files()
            )
        return model.version

    def remember(self, tenant_id: str, version: str, model: TopicModel) -> None:
        """After the activation committed: this process switches at once."""
        with self._lock:
            self._cache[tenant_id] = (time.monotonic(), version, model)
