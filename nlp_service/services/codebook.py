"""Codebook editing, shared by the API (/v1/codebook) and the CLI (`nlp-service codebook`).

Applying edits (one, or several from an imported file):

    outside the lock   validate; embed an added theme's phrases (the API on the model thread);
                       resolve a split proposal
    one transaction    lock the tenant's codebook; refuse while a refit is queued or running
                       (409, field "job"); load the active version (else the starter codebook)
                       -> analysis.topics.edits.apply_edit -> store it as a new version ->
                       activate -> store the edit events (who, when, params, before/after) ->
                       reassign the stored segments and re-apply pinned answer moves; or, when
                       every edit is labels-only (rename, accept: LABEL_ONLY_KINDS), rewrite
                       only the renamed themes' stored labels (no segment changes theme)
    after commit       TopicProvider.remember (this process serves the new version at once)

Insights take labels from the theme catalog built from the served model (part of every insights
cache key), so a rename shows at once without a reassignment; answers and segments keep their
labels in the store too (answer views, exports, label search), hence `relabel`.

Refits replay the stored edits on top of their fit: services/codebook_replay.py.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from nlp_service.errors import Conflict, InvalidInput, NotFound
from nlp_service.schemas_codebook import (
    AddIn,
    CodebookOut,
    CodebookThemeOut,
    EditIn,
    EditOut,
    ImportOut,
    MoveIn,
    ProposalPartOut,
    RenameIn,
    ReplayOut,
    SplitIn,
    SplitProposalOut,
    parse_edit,
)
from nlp_service.services.codebook_files import FileFormat, export_rows, export_text, parse_file
from nlp_service.services.codebook_replay import apply_pins, stored_edits
from nlp_service.services.topics import REFIT_JOB_KIND, TopicProvider, tenant_model_name
from nlp_service.store import JobRepository, SegmentRepository, transaction
from nlp_service.store.codebook import CodebookRepository
from nlp_service.store.models import CodebookEdit, as_utc
from nlp_service.store.topic_models import TopicModelRepository

if TYPE_CHECKING:
    from nlp_service.analysis.topics import TopicModel

Encode = Callable[[Sequence[str]], np.ndarray]
MIN_SEGMENTS_PER_PART = 3
VECTOR_KEYS = ("centroid", "absorbed")


@dataclass(frozen=True)
class Applied:
    edits: list[EditOut]
    version: str | None
    reassigned: int


def new_version() -> str:
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def public_params(params: dict[str, Any]) -> dict[str, Any]:
    """An edit's params as shown: what was posted plus recorded ids, without stored vectors."""
    out = {k: v for k, v in params.items() if k not in VECTOR_KEYS}
    if isinstance(out.get("parts"), list):
        out["parts"] = [
            {k: v for k, v in part.items() if k not in VECTOR_KEYS} for part in out["parts"]
        ]
    return out


def edit_out(row: CodebookEdit) -> EditOut:
    replay = row.last_replay
    return EditOut(
        id=row.id, kind=row.kind, actor=row.actor, created_at=as_utc(row.created_at),
        note=row.note, params=public_params(row.params), before=row.before, after=row.after,
        status="conflict" if row.status == "conflict" else "applied", version=row.version,
        last_replay=ReplayOut(**replay) if replay else None,
    )  # fmt: skip


class CodebookService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        topics: TopicProvider,
        embedder_id: str,
        encode: Encode | None,
    ) -> None:
        self.sessions = sessions
        self.topics = topics
        self.embedder_id = embedder_id
        self.encode = encode  # runs the embedder (in the API: on the model thread)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, tenant_id: str) -> threading.Lock:
        # In-process order first (SQLite would answer a second writer with "database is
        # locked" only after its busy timeout); the tenant row lock covers other processes.
        with self._guard:
            return self._locks.setdefault(tenant_id, threading.Lock())

    # --- reading --------------------------------------------------------------------------
    def _base(self, session: Session, tenant_id: str) -> tuple[TopicModel, str | None]:
        """The active model (and its version; None for the starter codebook)."""
        version = TopicModelRepository(session, tenant_id).active_version()
        own = self.topics.own(tenant_id, version) if version else None
        if own is not None:
            return own, version
        default = self.topics.default()
        if default is None:
            raise Conflict(
                "the tenant has no codebook: no own version and no starter codebook "
                "(NLP_SERVICE_DEFAULT_CODEBOOK) for this embedder",
                field="version",
            )
        return default, None

    def _active(self, tenant_id: str) -> tuple[TopicModel, str | None]:
        """The model that assigns the tenant's answers, from the provider's cache (reads)."""
        model = self.topics.get(tenant_id)
        if model is None:
            raise Conflict("the tenant has no codebook for this embedder", field="version")
        return model, (None if model is self.topics.default() else model.version)

    def show(self, tenant_id: str, lang: str | None = None) -> CodebookOut:
        model, version = self._active(tenant_id)
        with self.sessions() as session:
            counts = SegmentRepository(session, tenant_id).theme_answer_counts(self.embedder_id)
            n = CodebookRepository(session, tenant_id).count()
        themes = [
            CodebookThemeOut(
                id=t.id, label=t.label_in(lang), labels=dict(t.labels) or {"en": t.label},
                description=t.description, keywords=list(t.keywords), source=t.source,
                status=t.status, size=counts.get(t.id, 0), examples=list(t.examples),
            )
            for t in model.themes()
        ]  # fmt: skip
        return CodebookOut(version=version, themes=themes, edits=n)

    def edits(
        self, tenant_id: str, limit: int, cursor: str | None
    ) -> tuple[list[EditOut], str | None]:
        with self.sessions() as session:
            rows, next_cursor = CodebookRepository(session, tenant_id).page(limit, cursor)
            return [edit_out(r) for r in rows], next_cursor

    def all_edits(self, tenant_id: str) -> list[EditOut]:
        with self.sessions() as session:
            return [edit_out(r) for r in CodebookRepository(session, tenant_id).all()]

    def export(self, tenant_id: str, fmt: FileFormat) -> str:
        model, version = self._active(tenant_id)
        return export_text(export_rows(model), fmt, version)

    # --- split proposals ------------------------------------------------------------------
    def propose_split(self, tenant_id: str, theme_id: int, parts: int) -> SplitProposalOut:
        from nlp_service.analysis.topics.edits import split_parts

        model, version = self._active(tenant_id)
        with self.sessions() as session:
            if theme_id not in model.by_id:
                raise Conflict(f"theme {theme_id} is not in the active version", field="theme_id")
            data = SegmentRepository(session, tenant_id).theme_members(theme_id, self.embedder_id)
        need = MIN_SEGMENTS_PER_PART * parts
        if len(data.texts) < need:
            raise InvalidInput(
                f"theme {theme_id} has {len(data.texts)} stored segments; {parts} parts need at "
                f"least {need}",
                field="parts",
            )
        found = split_parts(data.texts, data.embeddings, data.languages, parts)
        proposal_id = f"spl_{uuid.uuid4().hex[:16]}"
        stored = [
            {**p.to_dict(), "centroid": [round(float(v), 6) for v in p.centroid]} for p in found
        ]
        with transaction(self.sessions) as session:
            CodebookRepository(session, tenant_id).add_proposal(
                proposal_id, theme_id, version, stored
            )
        return SplitProposalOut(
            proposal_id=proposal_id,
            theme_id=theme_id,
            parts=[ProposalPartOut(**p.to_dict()) for p in found],
        )

    # --- edits ----------------------------------------------------------------------------
    def parse(self, data: dict[str, Any]) -> EditIn:
        return parse_edit(data)

    def _params(self, tenant_id: str, edit: EditIn, where: str = "") -> dict[str, Any]:
        """The params stored with the edit: as posted, plus what a replay needs (an added
        theme's prototype, a split's part centroids), computed outside the lock."""
        params = edit.model_dump(mode="json", exclude={"note"}, exclude_none=True)
        if isinstance(edit, RenameIn | AddIn):
            params["labels"] = edit.labels.given()
        if isinstance(edit, AddIn):
            params["centroid"] = self._prototype(edit)
        elif isinstance(edit, SplitIn):
            with self.sessions() as session:
                proposal = CodebookRepository(session, tenant_id).proposal(edit.proposal_id)
            if proposal.theme_id != edit.theme_id:
                raise InvalidInput(
                    f"proposal {edit.proposal_id} splits theme {proposal.theme_id}, "
                    f"not {edit.theme_id}",
                    field=f"{where}proposal_id",
                )
            parts = [dict(p) for p in proposal.parts]
            if edit.labels is not None:
                if len(edit.labels) != len(parts):
                    raise InvalidInput(
                        f"labels: give one per part ({len(parts)}), got {len(edit.labels)}",
                        field=f"{where}labels",
                    )
                for part, labels in zip(parts, edit.labels, strict=True):
                    part["labels"] = labels.given()
            params["parts"] = parts
            params.pop("labels", None)
        elif isinstance(edit, MoveIn):
            with self.sessions() as session:
                known = SegmentRepository(session, tenant_id).known_answers(edit.answer_ids)
            unknown = [a for a in edit.answer_ids if a not in known]
            if unknown:
                raise NotFound(f"answer {unknown[0]!r} not found", field=f"{where}answer_ids")
        return params

    def _prototype(self, edit: AddIn) -> list[float]:
        from nlp_service.analysis.codebook import prototype

        if self.encode is None:
            raise InvalidInput("adding a theme needs the embedder", field="phrases")
        described = [*edit.labels.given().values(), *([edit.description] * bool(edit.description))]
        vectors = self.encode([*edit.phrases, *described])
        k = len(edit.phrases)
        return [round(float(v), 6) for v in prototype(vectors[:k], vectors[k:])]

    def apply(
        self,
        tenant_id: str,
        actor: str,
        edits: Sequence[EditIn],
        note: str | None = None,
        where: Sequence[str] | None = None,
    ) -> Applied:
        """Apply edits in order as one new version (all or nothing); 409 when one cannot apply
        (its theme is not in the active version), naming the edit's field."""
        from nlp_service.analysis.topics.edits import (
            LABEL_ONLY_KINDS,
            Edit,
            apply_edit,
            relabelled,
            removals,
        )

        if not edits:
            return Applied([], None, 0)
        prefixes = list(where) if where is not None else [""] * len(edits)
        prepared = [
            (e, self._params(tenant_id, e, p)) for e, p in zip(edits, prefixes, strict=True)
        ]
        version = new_version()
        with self._lock(tenant_id), transaction(self.sessions) as session:
            book = CodebookRepository(session, tenant_id)
            book.lock()
            active = JobRepository(session, tenant_id).active(REFIT_JOB_KIND)
            if active is not None:
                raise Conflict(
                    f"refit {active.id} is {active.status}: edit the codebook when it is done",
                    field="job",
                )
            base, _ = self._base(session, tenant_id)
            model = base.with_identity(tenant_model_name(tenant_id), version)
            model.info = {**model.info, "edited_from": base.version}
            history = removals(stored_edits(book.all()))
            results = []
            for (edit, params), prefix in zip(prepared, prefixes, strict=True):
                model, outcome = apply_edit(model, Edit(edit.kind, params), history=history)
                if outcome.outcome == "conflict":
                    raise Conflict(outcome.reason or "the edit cannot apply",
                                   field=prefix + (outcome.field or "theme_id"))  # fmt: skip
                results.append((edit, outcome))
                history.update(removals([Edit(edit.kind, outcome.params)]))
            TopicModelRepository(session, tenant_id).add(
                version, model.embedder_id, model.to_files()
            )
            TopicModelRepository(session, tenant_id).activate(version)
            segments = SegmentRepository(session, tenant_id)
            rows = [
                book.add(e.kind, o.params, o.before, o.after, actor, e.note or note, version)
                for e, o in results
            ]
            if all(e.kind in LABEL_ONLY_KINDS for e, _ in results):
                # Same centroids and ids: every segment keeps its theme (and pinned moves stay);
                # only the renamed themes' stored labels are rewritten.
                reassigned = 0
                segments.relabel(relabelled(base, model), version, self.embedder_id)
            else:
                reassigned = segments.reassign(model.assign, version, self.embedder_id)
                apply_pins(session, tenant_id, model, stored_edits(book.all()), version,
                           self.embedder_id)  # fmt: skip
            out = [edit_out(r) for r in rows]
        self.topics.remember(tenant_id, version, model)
        return Applied(out, version, reassigned)

    def import_file(
        self, tenant_id: str, actor: str, text: str, fmt: FileFormat, note: str | None = None
    ) -> ImportOut:
        """New ids (or rows without an id) become `add` edits, rows with an id in the active
        version `rename` edits when their labels or description differ; themes missing from
        the file are left alone. One new version for the whole file."""
        rows = parse_file(text, fmt)
        with self.sessions() as session:
            model, _ = self._base(session, tenant_id)
        edits: list[EditIn] = []
        where: list[str] = []
        for loc, row in rows:
            labels = row.labels()
            if row.id is not None and row.id in model.by_id:
                theme = model.by_id[row.id]
                changed = {k: v for k, v in labels.items() if theme.labels.get(k) != v}
                describe = row.description and row.description != theme.description
                if not changed and not describe:
                    continue
                data: dict[str, Any] = {"kind": "rename", "theme_id": row.id,
                                        "labels": changed or labels}  # fmt: skip
                if describe:
                    data["description"] = row.description
            else:
                if len(row.phrases) < 3:
                    raise InvalidInput(
                        f"{loc}.phrases: a new theme needs at least 3 example phrases",
                        field=f"{loc}.phrases",
                    )
                data = {"kind": "add", "labels": labels, "description": row.description,
                        "phrases": row.phrases, "theme_id": row.id}  # fmt: skip
            edits.append(parse_edit(data, f"{loc}."))
            where.append(f"{loc}.")
        applied = self.apply(tenant_id, actor, edits, note, where)
        return ImportOut(edits=applied.edits, version=applied.version,
                         reassigned=applied.reassigned)  # fmt: skip

    def diff(self, tenant_id: str) -> dict[str, Any]:
        """Every edit and what the last refit's replay made of it."""
        edits = self.all_edits(tenant_id)
        with self.sessions() as session:
            version = TopicModelRepository(session, tenant_id).active_version()
        return {
            "active_version": version,
            "edits": [
                {"id": e.id, "kind": e.kind, "actor": e.actor, "params": e.params,
                 "version": e.version,
                 "replayed_in": e.last_replay.version if e.last_replay else None,
                 "outcome": e.last_replay.outcome if e.last_replay else "not replayed yet",
                 "reason": e.last_replay.reason if e.last_replay else None}
                for e in edits
            ],
        }  # fmt: skip
