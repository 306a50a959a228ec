"""Insights snapshots: a tenant's insights columns stored as one compressed blob.

The insights keep every answer of a tenant (a few scalar columns) and its (answer, theme) pairs
in memory (`store.insights.AnswerColumns` / `ThemeLinks`). Reading them from `entries` and
`segments` takes 0.5-0.8 s at 100,000 answers; this table keeps the same arrays per tenant as
one zlib-compressed npz (no pickles) tagged with the data version they were read at, so a
process without a copy loads them in tens of milliseconds and reads only the entries stamped
after that version (store/versions.py). One row per tenant: the newest snapshot wins, an older
one never replaces it. Whether a snapshot is used or rewritten is decided in
`services/insights/loading.py`.
"""

from __future__ import annotations

import io
import json
import zlib
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from nlp_service.store.insights import ARRAYS, AnswerColumns, ThemeLinks
from nlp_service.store.models import InsightsSnapshot, utcnow

# Bumped whenever the arrays or their meaning change: a snapshot of another format is ignored
# (and replaced by the next writer).
FORMAT = 1
LINK_ARRAYS = ("seq", "theme", "sign", "segment", "confidence")
LEVEL = 1  # zlib: level 1 compresses these arrays about 3x, several times faster than 6


@dataclass(frozen=True)
class SnapshotInfo:
    version: int
    answers: int
    format: int


def encode(answers: AnswerColumns, links: ThemeLinks) -> bytes:
    """The columns as a zlib-compressed npz (vocabulary as UTF-8 JSON)."""
    arrays: dict[str, np.ndarray] = {f"a_{n}": getattr(answers, n) for n in ARRAYS}
    for name in LINK_ARRAYS:
        value = getattr(links, name)
        if value is not None:
            arrays[f"l_{name}"] = value
    vocab = json.dumps(list(answers.vocab)).encode("utf-8")
    arrays["vocab"] = np.frombuffer(vocab, dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **cast(dict[str, Any], arrays))
    return zlib.compress(buffer.getvalue(), LEVEL)


def decode(blob: bytes) -> tuple[AnswerColumns, ThemeLinks]:
    with np.load(io.BytesIO(zlib.decompress(blob)), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    vocab = tuple(json.loads(arrays["vocab"].tobytes().decode("utf-8")))
    answers = AnswerColumns.of({n: arrays[f"a_{n}"] for n in ARRAYS}, vocab)
    links = ThemeLinks(
        arrays["l_seq"],
        arrays["l_theme"],
        arrays["l_sign"],
        arrays.get("l_segment"),
        arrays.get("l_confidence"),
    )
    return answers, links


class SnapshotRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def info(self) -> SnapshotInfo | None:
        """The stored snapshot's version and size (not its blob); None without one of this
        format."""
        row = self.session.execute(
            select(
                InsightsSnapshot.version, InsightsSnapshot.answers, InsightsSnapshot.format
            ).where(InsightsSnapshot.tenant_id == self.tenant_id)
        ).first()
        if row is None or int(row[2]) != FORMAT:
            return None
        return SnapshotInfo(int(row[0]), int(row[1]), int(row[2]))

    def load(self, version: int) -> tuple[AnswerColumns, ThemeLinks] | None:
        """The stored columns when the snapshot is still at `version` (else None: replaced
        since `info` was read)."""
        blob = self.session.scalar(
            select(InsightsSnapshot.data).where(
                InsightsSnapshot.tenant_id == self.tenant_id,
                InsightsSnapshot.version == version,
                InsightsSnapshot.format == FORMAT,
            )
        )
        return None if blob is None else decode(bytes(blob))

    def save(self, version: int, answers: AnswerColumns, links: ThemeLinks) -> bool:
        """Store the columns read at data `version` unless a snapshot at the same or a newer
        version (of this format) is already there; True when written."""
        table = cast(Table, InsightsSnapshot.__table__)
        conn = self.session.connection()
        insert: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        values = {
            "tenant_id": self.tenant_id,
            "version": version,
            "format": FORMAT,
            "answers": len(answers),
            "created_at": utcnow(),
            "data": encode(answers, links),
        }
        statement = insert(table).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.tenant_id],
            set_={k: statement.excluded[k] for k in values if k != "tenant_id"},
            where=(table.c.version < statement.excluded.version)
            | (table.c.format != statement.excluded.format),
        )
        return conn.execute(statement.returning(table.c.version)).first() is not None
