"""The answers' columns the insights compute on: one numpy array per field, one row per answer.

Pure: no SQL here (the repository fills them, store/snapshots.py saves them). `mask` is the
in-memory twin of `entries.apply_filters` for the filters the insights take.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from nlp_service.store.entries import EntryFilter
from nlp_service.store.models import as_utc

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US_PER_DAY = 86_400_000_000


def to_us(value: datetime) -> int:
    """An aware (or naive UTC) datetime as epoch microseconds, exactly."""
    return (as_utc(value) - EPOCH) // timedelta(microseconds=1)


KPI_CODES = {"nps": 1, "csat": 2, "ces": 3}  # 0: no KPI


ARRAYS = (
    "seq",
    "touchpoint",
    "kpi_code",
    "kpi_score",
    "sentiment",
    "time",
    "hidden",
    "language",
    "survey_id",
    "question_id",
)
TEXTS = ("touchpoint", "language", "survey_id", "question_id")


@dataclass
class AnswerColumns:
    """One row per answer. Text columns are int32 codes into `vocab` (values of all four, None
    included): no Python objects in arrays kept for long (a garbage collection would walk
    every one of them) and filters compare integers."""

    seq: np.ndarray  # int64, ascending
    touchpoint: np.ndarray  # int32 code into vocab
    kpi_code: np.ndarray  # int8, KPI_CODES (0 without a KPI)
    kpi_score: np.ndarray  # float, nan without a KPI
    sentiment: np.ndarray  # int8: -1 negative, 0 neutral, 1 positive
    time: np.ndarray  # int64 UTC epoch microseconds of submitted_at
    hidden: np.ndarray  # bool
    language: np.ndarray  # int32 code into vocab
    survey_id: np.ndarray  # int32 code into vocab
    question_id: np.ndarray  # int32 code into vocab
    vocab: tuple[str | None, ...] = ()

    @property
    def day(self) -> np.ndarray:
        """UTC day (datetime64[D]) of each answer."""
        return (self.time // US_PER_DAY).astype("datetime64[D]")

    def __len__(self) -> int:
        return len(self.seq)

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in ARRAYS)

    def text(self, code: int) -> str | None:
        return self.vocab[code]

    @classmethod
    def of(cls, arrays: dict[str, np.ndarray], vocab: tuple[str | None, ...]) -> AnswerColumns:
        return cls(
            seq=arrays["seq"],
            touchpoint=arrays["touchpoint"],
            kpi_code=arrays["kpi_code"],
            kpi_score=arrays["kpi_score"],
            sentiment=arrays["sentiment"],
            time=arrays["time"],
            hidden=arrays["hidden"],
            language=arrays["language"],
            survey_id=arrays["survey_id"],
            question_id=arrays["question_id"],
            vocab=vocab,
        )

    def take(self, idx: np.ndarray) -> AnswerColumns:
        return AnswerColumns.of({name: getattr(self, name)[idx] for name in ARRAYS}, self.vocab)

    def _codes_of(self, other: AnswerColumns) -> tuple[tuple[str | None, ...], np.ndarray]:
        """A vocabulary holding both, and `other`'s codes -> codes in it."""
        vocab = tuple(dict.fromkeys((*self.vocab, *other.vocab)))
        index = {v: i for i, v in enumerate(vocab)}
        return vocab, np.array([index[v] for v in other.vocab] or [0], dtype=np.int32)

    def replaced(self, rows: np.ndarray, other: AnswerColumns) -> AnswerColumns:
        """A copy with rows `rows` replaced by `other`'s rows (same order)."""
        vocab, remap = self._codes_of(other)
        arrays = {}
        for name in ARRAYS:
            values = getattr(self, name).copy()
            new = getattr(other, name)
            values[rows] = remap[new] if name in TEXTS else new
            arrays[name] = values
        return AnswerColumns.of(arrays, vocab)

    def inserted(self, at: np.ndarray, other: AnswerColumns) -> AnswerColumns:
        """`other`'s rows inserted before positions `at` (np.insert)."""
        vocab, remap = self._codes_of(other)
        arrays = {}
        for name in ARRAYS:
            new = getattr(other, name)
            arrays[name] = np.insert(getattr(self, name), at, remap[new] if name in TEXTS else new)
        return AnswerColumns.of(arrays, vocab)

    @classmethod
    def concat(cls, parts: list[AnswerColumns]) -> AnswerColumns:
        """The parts' rows one after the other, their codes moved to one vocabulary."""
        vocab = tuple(dict.fromkeys(v for p in parts for v in p.vocab))
        index = {v: i for i, v in enumerate(vocab)}
        columns: dict[str, list[np.ndarray]] = {name: [] for name in ARRAYS}
        for p in parts:
            remap = np.array([index[v] for v in p.vocab] or [0], dtype=np.int32)
            for name in ARRAYS:
                values = getattr(p, name)
                columns[name].append(remap[values] if name in TEXTS else values)
        return cls.of({name: np.concatenate(columns[name]) for name in ARRAYS}, vocab)

    def mask(self, f: EntryFilter) -> np.ndarray:
        """The visible answers matching `f`: `entries.apply_filters` on these columns (the
        insights' filters only; `from` inclusive, `to` exclusive, to the microsecond)."""
        if f.theme is not None or f.sentiment is not None or f.kpi_group is not None:
            raise ValueError("the insights filter answers by theme, sentiment or group themselves")
        keep = ~self.hidden
        codes = {v: i for i, v in enumerate(self.vocab)}
        for value, column in (
            (f.touchpoint, self.touchpoint),
            (f.language, self.language),
            (f.survey_id, self.survey_id),
            (f.question_id, self.question_id),
        ):
            if value is not None:
                keep &= column == codes.get(value, -1)
        if f.kpi_type is not None:
            keep &= self.kpi_code == KPI_CODES[f.kpi_type]
        if f.since is not None:
            keep &= self.time >= to_us(f.since)
        if f.until is not None:
            keep &= self.time < to_us(f.until)
        return np.asarray(keep, dtype=bool)
