"""Topic refits as queued jobs (kind `topic_refit`), one at a time per tenant.

`Refits.enqueue` validates the parameters and queues a job; a worker (the in-process one, or an
`nlp-service worker` process) runs `Refits.run`: it reads the tenant's stored segment vectors (no
re-embedding), fits with the previous version as the predecessor (stable theme ids), then in one
transaction replays the tenant's codebook edits on the fit (services/codebook.py), stores and
activates the new version and reassigns every stored segment and the answers' themes. Run again
after a crash, it simply fits again: nothing is stored or activated before that last transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from nlp_service.config import Settings
from nlp_service.errors import Conflict, InvalidInput
from nlp_service.services.codebook_replay import apply_pins, record_replay, replay_on
from nlp_service.services.insights import refresh_snapshot
from nlp_service.services.jobs import JobContext
from nlp_service.services.topics import REFIT_JOB_KIND, TopicProvider, tenant_model_name
from nlp_service.store import JobRepository, SegmentRepository, transaction
from nlp_service.store.codebook import CodebookRepository
from nlp_service.store.models import Job
from nlp_service.store.topic_models import TopicModelRepository

if TYPE_CHECKING:
    from nlp_service.analysis.topics import TopicParams

KIND = REFIT_JOB_KIND


def parse_params(settings: Settings, params: dict[str, Any] | None) -> TopicParams:
    """The service's NLP_SERVICE_TOPIC_* settings, overridden by the request's parameters."""
    from pydantic import ValidationError

    from nlp_service.analysis.topics import TopicParams

    try:
        return TopicParams.from_settings(settings, **(params or {}))
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(["params", *(str(p) for p in err["loc"])])
        raise InvalidInput(f"{field}: {err['msg']}", field=field) from None


class Refits:
    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        topics: TopicProvider,
        embedder_id: str,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.topics = topics
        self.embedder_id = embedder_id
        self.wake = wake  # tells an in-process worker that a job is waiting

    def enqueue(self, tenant_id: str, params: dict[str, Any] | None) -> Job:
        """Queue a refit; 409 when one is queued or running for the tenant."""
        parse_params(self.settings, params)  # reject bad parameters before creating a job
        with transaction(self.sessions) as session:
            jobs = JobRepository(session, tenant_id)
            active = jobs.active(KIND)
            if active is not None:
                raise Conflict(f"refit {active.id} is still {active.status}", field="job")
            job = jobs.create(KIND, {"params": params or {}})
        self.wake()
        return job

    def run(self, job: JobContext) -> dict[str, Any]:
        from nlp_service.analysis.topics import fit_topics

        tenant_id = job.tenant_id
        params = job.params.get("params") or None
        with self.sessions() as session:
            data = SegmentRepository(session, tenant_id).training_data(self.embedder_id)
        if not data.texts:
            raise InvalidInput("the tenant has no stored answers to fit themes on", field="texts")
        # The first refit starts from the starter codebook: its themes keep their IDs and labels
        # (and are never dropped); clusters it does not cover become new emergent themes.
        with self.sessions() as session:
            started_from = TopicModelRepository(session, tenant_id).active_version()
        own = self.topics.own(tenant_id, started_from) if started_from else None
        previous = own or self.topics.default()
        fit = fit_topics(
            data.texts,
            data.embeddings,
            languages=data.languages,
            timestamps=data.timestamps,
            answers=data.answers,
            previous=previous,
            params=parse_params(self.settings, params),
            embedder_id=self.embedder_id,
            progress=lambda s: job.progress(0.8 * s),
            name=tenant_model_name(tenant_id),
        )
        # One transaction, holding the tenant's codebook lock: the researcher's edits are
        # replayed on the fit, the result stored and activated for every process together with
        # the stored answers' new themes and their pinned moves; readers see the old or the new
        # state, never a mix. Progress goes through the same session (SQLite: one writer).
        with transaction(self.sessions) as session:
            CodebookRepository(session, tenant_id).lock()
            repo = TopicModelRepository(session, tenant_id)
            if repo.active_version() != started_from:
                raise Conflict(
                    "the codebook changed while the refit ran (an edit or another refit); "
                    "start the refit again",
                    field="job",
                )
            model, outcomes, edits = replay_on(session, tenant_id, fit.model)
            version = model.version
            repo.add(version, model.embedder_id, model.to_files())
            repo.activate(version)
            jobs = JobRepository(session, tenant_id)
            reassigned = SegmentRepository(session, tenant_id).reassign(
                model.assign,
                version,
                self.embedder_id,
                lambda s: jobs.set_progress(job.job_id, 0.8 + 0.2 * s),
            )
            moves = apply_pins(session, tenant_id, model, edits, version, self.embedder_id)
            outcomes = [
                replace(o, outcome="conflict", reason=moves[o.edit_id], changed=False)
                if o.edit_id in moves and o.outcome == "honoured"
                else o
                for o in outcomes
            ]
            summary = record_replay(session, tenant_id, version, outcomes)
        self.topics.remember(tenant_id, version, model)
        # Most answers' themes moved: the insights' snapshot is written here, once, so readers in
        # every process top it up instead of reading every answer (services/insights/loading.py).
        snapshot = refresh_snapshot(self.sessions, tenant_id)
        return {
            "version": version,
            "previous_version": previous.version if previous is not None else None,
            "topics": len(model.themes()),
            "answers": fit.metrics.answers,
            "segments": len(data.texts),
            "unassigned_answers": fit.metrics.unassigned_answers,
            "unassigned_segments": fit.metrics.unassigned,
            "reassigned": reassigned,
            "edits": summary.to_dict(),
            "insights_snapshot": snapshot,
        }
