"""Insights tables as CSV: nested objects become dotted columns (`kpi.nps.score`), lists of
plain values are joined with "; ", lists of objects (quotes, themes) by their label or text.
Shared by the API (`?format=csv`) and the CLI (`--format csv`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", by_alias=True)
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(value, list):
        out[prefix] = "; ".join(
            str(v.get("label") or v.get("text") or v) if isinstance(v, dict) else str(v)
            for v in value
        )
    else:
        out[prefix] = value


def csv_text(rows: Iterable[BaseModel | dict[str, Any]]) -> str:
    flat: list[dict[str, Any]] = []
    for row in rows:
        item: dict[str, Any] = {}
        _flatten("", row, item)
        flat.append(item)
    columns: list[str] = []
    for item in flat:
        columns.extend(k for k in item if k not in columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(flat)
    return buffer.getvalue()
