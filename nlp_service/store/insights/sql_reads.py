"""SQL expressions and raw-row conversion shared by the insights' reads (repository, quotes).

The reads fetch hundreds of thousands of plain tuples; these helpers keep that cheap on both
SQLite and PostgreSQL.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, ColumnElement, Integer, case, cast, func
from sqlalchemy.orm import InstrumentedAttribute, Session

from nlp_service.store.models import Entry


def unindexed(column: InstrumentedAttribute[str]) -> ColumnElement[str]:
    """`column || ''`: the same value, but no index on it is considered. For reads that look rows
    up by primary key or answer, where the tenant is only a check: without table statistics
    SQLite otherwise walks the (tenant, topic) index over all of the tenant's sentences."""
    return column.concat("")


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while hundreds of thousands of row tuples (which hold no
    cycles) are made and converted: otherwise it walks every live object several times."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def column(rows: list[tuple[Any, ...]], i: int, dtype: Any) -> np.ndarray:
    return np.fromiter(map(itemgetter(i), rows), dtype=dtype, count=len(rows))


def sign(label: Any) -> ColumnElement[int]:
    return case((label == "negative", -1), (label == "positive", 1), else_=0)


def epoch_us(session: Session) -> ColumnElement[int]:
    """`submitted_at` as UTC epoch microseconds (SQLite stores naive UTC text with six
    fractional digits; PostgreSQL's extract is numeric, so both are exact)."""
    if session.get_bind().dialect.name == "sqlite":
        seconds = cast(func.strftime("%s", Entry.submitted_at), BigInteger)
        return seconds * 1_000_000 + cast(func.substr(Entry.submitted_at, 21, 6), Integer)
    return cast(func.extract("epoch", Entry.submitted_at) * 1_000_000, BigInteger)
