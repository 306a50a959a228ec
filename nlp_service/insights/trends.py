"""Periods for trends: day, ISO week (starting Monday) or calendar month, from UTC days."""

from __future__ import annotations

from typing import Literal

import numpy as np

Granularity = Literal["day", "week", "month"]


def period_starts(days: np.ndarray, interval: Granularity) -> np.ndarray:
    """The first day (datetime64[D]) of each day's period."""
    d = np.asarray(days, dtype="datetime64[D]")
    if interval == "day":
        return d
    if interval == "week":
        # 1970-01-01 was a Thursday: (days + 3) % 7 is 0 on Mondays.
        offset = (d.astype(np.int64) + 3) % 7
        return d - offset.astype("timedelta64[D]")
    return d.astype("datetime64[M]").astype("datetime64[D]")


def period_label(start: np.datetime64, interval: Granularity) -> str:
    text = str(np.datetime64(start, "D"))
    return text[:7] if interval == "month" else text
