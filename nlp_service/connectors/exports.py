"""One row per answer as CSV, XLSX or JSON lines.

Columns follow what researchers know from Qualtrics' Text iQ export ("QID - Topics",
"QID - Sentiment"), but long: one row per answer with its question id, so any number of open
questions fits the same columns. CSV and XLSX cells that a spreadsheet would run as a formula
(starting with = + - @ or a tab) are prefixed with an apostrophe; JSON lines carry the values as
they are.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

COLUMNS = (
    "answer_id",
    "external_id",
    "source",
    "survey_id",
    "response_id",
    "question_id",
    "respondent_id",
    "submitted_at",
    "touchpoint",
    "language",
    "kpi_type",
    "kpi_score",
    "kpi_group",
    "sentiment",
    "sentiment_score",
    "themes",
    "theme_ids",
    "flags",
    "moderation_status",
    "text",
)
EXPORT_FORMATS = ("csv", "xlsx", "jsonl")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def csv_lines(rows: Iterable[dict[str, Any]], header: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in COLUMNS])
    return buffer.getvalue()


def jsonl_lines(rows: Iterable[dict[str, Any]]) -> str:
    return "".join(
        json.dumps({c: row.get(c) for c in COLUMNS}, ensure_ascii=False, default=str) + "\n"
        for row in rows
    )


def write_xlsx(chunks: Iterator[list[dict[str, Any]]], out: IO[bytes]) -> int:
    """Write-only workbook (constant memory per row); returns the number of rows."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("answers")
    sheet.append(list(COLUMNS))
    count = 0
    for chunk in chunks:
        for row in chunk:
            sheet.append([safe_cell(row.get(c)) for c in COLUMNS])
            count += 1
    book.save(out)
    return count
