"""Themes per class (touchpoint) and over time: counts and shares of assigned segments.

Used at fit time (stored in the version's manifest) and on newly assigned answers (CLI, insights):
the input is only theme ids per segment plus the segment's class or timestamp."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np

UNKNOWN = "(none)"


def per_class(
    theme_ids: np.ndarray,
    classes: Sequence[str | None],
    labels: Mapping[int, str],
    keywords: Mapping[tuple[str, int], Sequence[str]] | None = None,
) -> list[dict[str, object]]:
    """One row per (class, theme): size and share of the class's segments (unassigned included
    in the denominator, so shares of a class sum to its coverage)."""
    totals: Counter[str] = Counter()
    pairs: Counter[tuple[str, int]] = Counter()
    for tid, cls in zip(theme_ids.tolist(), classes, strict=True):
        name = cls or UNKNOWN
        totals[name] += 1
        if tid >= 0:
            pairs[(name, tid)] += 1
    rows: list[dict[str, object]] = []
    for (name, tid), size in sorted(pairs.items(), key=_class_then_largest):
        rows.append({
            "class": name,
            "id": tid,
            "label": labels.get(tid, ""),
            "size": size,
            "share": round(size / totals[name], 4),
            "keywords": list((keywords or {}).get((name, tid), ())),
        })  # fmt: skip
    return rows


def _class_then_largest(item: tuple[tuple[str, int], int]) -> tuple[str, int, int]:
    """Sort key of a ((class or period, theme id), size) count: by class or period, then the
    largest theme first, then by id."""
    (name, tid), size = item
    return name, -size, tid


def choose_bin(timestamps: Sequence[datetime]) -> str:
    span = (max(timestamps) - min(timestamps)).days
    if span <= 62:
        return "day" if span <= 14 else "week"
    return "month" if span <= 3 * 365 else "quarter"


def period(ts: datetime, bin_: str) -> str:
    if bin_ == "day":
        return ts.strftime("%Y-%m-%d")
    if bin_ == "week":
        year, week, _ = ts.isocalendar()
        return f"{year}-W{week:02d}"
    if bin_ == "month":
        return ts.strftime("%Y-%m")
    if bin_ == "quarter":
        return f"{ts.year}-Q{(ts.month - 1) // 3 + 1}"
    return str(ts.year)


def over_time(
    theme_ids: np.ndarray,
    timestamps: Sequence[datetime | None],
    labels: Mapping[int, str],
    bin_: str = "auto",
) -> tuple[str, list[dict[str, object]]]:
    """One row per (period, theme): size and share of the period's segments. Segments without a
    timestamp are left out. Returns the bin used and the rows in period order."""
    known = [ts for ts in timestamps if ts is not None]
    if not known:
        return bin_, []
    if bin_ == "auto":
        bin_ = choose_bin(known)
    totals: Counter[str] = Counter()
    pairs: Counter[tuple[str, int]] = Counter()
    for tid, ts in zip(theme_ids.tolist(), timestamps, strict=True):
        if ts is None:
            continue
        key = period(ts, bin_)
        totals[key] += 1
        if tid >= 0:
            pairs[(key, tid)] += 1
    rows = [
        {
            "period": key,
            "id": tid,
            "label": labels.get(tid, ""),
            "size": size,
            "share": round(size / totals[key], 4),
        }
        for (key, tid), size in sorted(pairs.items(), key=_class_then_largest)
    ]
    return bin_, rows
