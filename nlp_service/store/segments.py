"""Segment vectors for topic refits, and writing new topic assignments back (tenant-scoped).

Refits read the stored float32 vectors: nothing is re-embedded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import numpy as np
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from nlp_service.store import versions
from nlp_service.store.models import Entry, Segment, as_utc

CHUNK = 2_000
# A segment's text, vector and its answer's language, time and seq (SegmentData's fields).
MEMBER_COLUMNS = (Segment.text, Segment.embedding, Entry.language, Entry.submitted_at, Entry.seq)


class Assignment(Protocol):
    # Read-only members, so frozen dataclasses (the analysis layer's TopicAssignment) fit.
    @property
    def id(self) -> int: ...
    @property
    def label(self) -> str: ...
    @property
    def confidence(self) -> float: ...


class LabelledTheme(Protocol):
    @property
    def id(self) -> int: ...
    def label_in(self, language: str | None) -> str: ...


@dataclass
class SegmentData:
    texts: list[str]
    embeddings: np.ndarray  # (n, dim) float32
    languages: list[str | None]
    timestamps: list[datetime]
    answers: list[int]  # the entry (answer) each segment belongs to


class SegmentRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def _select(self, embedder_id: str, *columns: Any) -> Select[Any]:
        """`columns` of the tenant's segments whose answers `embedder_id` embedded (hidden ones
        included), joined to their entries."""
        return (
            select(*columns)
            .join(Entry, Entry.seq == Segment.entry_seq)
            .where(
                Segment.tenant_id == self.tenant_id,
                Entry.tenant_id == self.tenant_id,
                Entry.embedder_id == embedder_id,
            )
        )

    def _segment_data(self, query: Select[Any]) -> SegmentData:
        """The rows of a query on MEMBER_COLUMNS as SegmentData."""
        texts, vectors, languages, stamps, entries = [], [], [], [], []
        for text, blob, language, submitted, seq in self.session.execute(query):
            texts.append(text)
            vectors.append(np.frombuffer(blob, dtype=np.float32))
            languages.append(language)
            stamps.append(as_utc(submitted))
            entries.append(int(seq))
        matrix = np.stack(vectors) if vectors else np.zeros((0, 0), np.float32)
        return SegmentData(texts, matrix, languages, stamps, entries)

    def training_data(self, embedder_id: str, kinds: Sequence[str] = ("answer",)) -> SegmentData:
        """Segments of visible entries embedded by `embedder_id`, oldest first."""
        query = (
            self._select(embedder_id, *MEMBER_COLUMNS)
            .where(Entry.kind.in_(kinds), Entry.is_hidden.is_(False))
            .order_by(Segment.entry_seq, Segment.idx)
        )
        return self._segment_data(query)

    def reassign(
        self,
        assign: Callable[[np.ndarray], Sequence[Assignment]],
        version: str,
        embedder_id: str,
        progress: Callable[[float], None] | None = None,
    ) -> int:
        """Re-label every stored segment of the tenant with `assign` and refresh the answers'
        theme lists; returns the number of segments updated. The entries whose sentences got
        another theme or confidence are stamped with a new data version (store/versions.py)."""
        # Ids grow monotonically, so the last id seen over the largest is the share done.
        total = self.session.scalar(
            select(func.max(Segment.id)).where(Segment.tenant_id == self.tenant_id)
        )
        last_id, done = 0, 0
        changed: set[int] = set()  # entries whose sentences changed theme or centrality
        while True:
            rows = self.session.execute(
                self._select(
                    embedder_id,
                    Segment.id,
                    Segment.embedding,
                    Segment.entry_seq,
                    Segment.topic_id,
                    Segment.topic_confidence,
                )
                .where(Segment.id > last_id)
                .order_by(Segment.id)
                .limit(CHUNK)
            ).all()
            if not rows:
                break
            vectors = np.stack([np.frombuffer(row[1], dtype=np.float32) for row in rows])
            updates = []
            for (seg_id, _, seq, old_id, old_conf), a in zip(rows, assign(vectors), strict=True):
                updates.append(
                    {
                        "id": seg_id,
                        "topic_id": int(a.id),
                        "topic_label": a.label,
                        "topic_confidence": float(a.confidence),
                    }
                )
                if old_id != int(a.id) or old_conf != float(a.confidence):
                    changed.add(int(seq))
            self.session.execute(update(Segment), updates)
            last_id, done = rows[-1][0], done + len(rows)
            if progress is not None and total:
                progress(min(1.0, last_id / total))
        self._refresh_themes(version, embedder_id)
        # After the entries are written (locks: entries first, the tenant row last). Only the
        # answers whose themes changed are re-read by the insights.
        versions.stamp(self.session, self.tenant_id, changed)
        return done

    def relabel(self, themes: Sequence[LabelledTheme], version: str, embedder_id: str) -> int:
        """Themes renamed, every assignment unchanged: the segments carrying them get the label
        in their answer's language (as ingestion stores it), those answers' theme lists are
        rebuilt and stamped with a new data version. No segment changes theme or confidence and
        no other answer is written. Returns the number of segments relabelled."""
        touched: set[int] = set()
        done = 0
        for theme in themes:
            rows = self.session.execute(
                self._select(embedder_id, Segment.id, Segment.entry_seq, Entry.language).where(
                    Segment.topic_id == theme.id
                )
            ).all()
            by_label: dict[str, list[int]] = {}
            for seg_id, seq, language in rows:
                by_label.setdefault(theme.label_in(language), []).append(seg_id)
                touched.add(int(seq))
            for label, ids in by_label.items():
                for i in range(0, len(ids), CHUNK):
                    self.session.execute(
                        update(Segment)
                        .where(Segment.id.in_(ids[i : i + CHUNK]))
                        .values(topic_label=label)
                        .execution_options(synchronize_session=False)
                    )
            done += len(rows)
        self.refresh_entries(touched, version, embedder_id)
        return done

    def theme_members(self, theme_id: int, embedder_id: str) -> SegmentData:
        """The stored segments currently assigned to one theme (visible answers only)."""
        query = (
            self._select(embedder_id, *MEMBER_COLUMNS)
            .where(Segment.topic_id == theme_id, Entry.is_hidden.is_(False))
            .order_by(Segment.id)
        )
        return self._segment_data(query)

    def theme_answer_counts(self, embedder_id: str) -> dict[int, int]:
        """Visible answers per theme id (an answer counts once however many segments carry it)."""
        query = (
            self._select(
                embedder_id, Segment.topic_id, func.count(func.distinct(Segment.entry_seq))
            )
            .where(Entry.is_hidden.is_(False), Segment.topic_id >= 0)
            .group_by(Segment.topic_id)
        )
        return {int(t): int(n) for t, n in self.session.execute(query) if t is not None}

    def known_answers(self, answer_ids: Sequence[str]) -> set[str]:
        """The given answer ids that are this tenant's."""
        return set(
            self.session.scalars(
                select(Entry.id).where(Entry.tenant_id == self.tenant_id, Entry.id.in_(answer_ids))
            )
        )

    def pin(
        self,
        answer_ids: Sequence[str],
        from_theme: int,
        to_theme: int,
        label: str,
        centroid: np.ndarray,
        embedder_id: str,
    ) -> set[int]:
        """A researcher's move: the answers' segments carrying `from_theme` carry `to_theme`
        (confidence 1.0); an answer with neither gets `to_theme` on its segment nearest to
        `centroid`. Returns the entry seqs touched (refresh them with `refresh_entries`)."""
        rows = self.session.execute(
            self._select(
                embedder_id, Segment.id, Segment.entry_seq, Segment.topic_id, Segment.embedding
            )
            .where(Entry.id.in_(list(answer_ids)))
            .order_by(Segment.entry_seq, Segment.idx)
        ).all()
        by_entry: dict[int, list[Any]] = {}
        for row in rows:
            by_entry.setdefault(int(row.entry_seq), []).append(row)
        updates = []
        for segs in by_entry.values():
            chosen = [r.id for r in segs if r.topic_id == from_theme]
            if not chosen and not any(r.topic_id == to_theme for r in segs):
                vectors = np.stack([np.frombuffer(r.embedding, dtype=np.float32) for r in segs])
                chosen = [segs[int(np.argmax(vectors @ centroid))].id]
            updates += [
                {"id": i, "topic_id": to_theme, "topic_label": label, "topic_confidence": 1.0}
                for i in chosen
            ]
        if updates:
            self.session.execute(update(Segment), updates)
        return set(by_entry)

    def refresh_entries(self, seqs: set[int], version: str, embedder_id: str) -> None:
        """Rebuild the theme lists of some entries (after pinned moves) and stamp them with a new
        data version, so the insights' in-memory copies pick the moves up."""
        if seqs:
            self._refresh_themes(version, embedder_id, seqs)
            versions.stamp(self.session, self.tenant_id, seqs)

    def _refresh_themes(self, version: str, embedder_id: str, only: set[int] | None = None) -> None:
        """Rebuild the theme lists of the entries whose segments were reassigned (those embedded
        by `embedder_id`, or only the entries `only`) and stamp them with `version`; other
        entries keep theirs."""
        best: dict[int, dict[int, dict[str, Any]]] = {}
        query = self._select(
            embedder_id,
            Segment.entry_seq,
            Segment.topic_id,
            Segment.topic_label,
            Segment.topic_confidence,
        ).where(Segment.topic_id.is_not(None))
        if only is not None:
            query = query.where(Segment.entry_seq.in_(only))
        for seq, topic_id, label, confidence in self.session.execute(query):
            themes = best.setdefault(seq, {})
            if (
                topic_id is not None
                and topic_id >= 0
                and (topic_id not in themes or confidence > themes[topic_id]["confidence"])
            ):
                themes[topic_id] = {"id": topic_id, "label": label, "confidence": confidence}
        seqs = (
            sorted(only)
            if only is not None
            else self.session.scalars(
                select(Entry.seq).where(
                    Entry.tenant_id == self.tenant_id, Entry.embedder_id == embedder_id
                )
            )
        )
        updates = [
            {
                "seq": seq,
                "themes": sorted(best.get(seq, {}).values(), key=lambda t: -t["confidence"]),
                "topic_model_version": version,
            }
            for seq in seqs
        ]
        for i in range(0, len(updates), CHUNK):
            self.session.execute(update(Entry), updates[i : i + CHUNK])
