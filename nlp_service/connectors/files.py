"""Survey exports (CSV or XLSX) -> one `SurveyResponse` per data row.

- Qualtrics ("Export data" as CSV or Excel): three header rows: column names (`ResponseId`,
  `RecordedDate`, `Q1`, `Q2`, embedded data...), the question texts, and the import ids as JSON
  (`{"ImportId":"QID2_TEXT"}`, `{"ImportId":"recordedDate","timeZone":"Europe/Berlin"}`). A
  mapping may name a column by its name (`Q2`) or import id (`QID2_TEXT` or `QID2`). Times are
  read in the time zone the third row names.
- LimeSurvey ("Export responses", CSV, headings as question codes): one header row with `id`,
  `submitdate`, `lastpage`, `startlanguage`, ... and one column per question code (`NPS`,
  `WHY`, `Q3[SQ001]`). Headings exported as "code. question text" are also found by their code.
- Plain CSV: one header row; the mapping names the columns (text, score, touchpoint, date...).
  Without a response-id column a row's id is the hash of its cells, so re-importing the same
  file finds the same answers.

CSV is read as UTF-8 (with or without BOM), else Windows-1252; the delimiter (`,` `;` or tab) is
sniffed from the header.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nlp_service.connectors.payloads import SurveyResponse

FileFormat = Literal["auto", "qualtrics", "limesurvey", "csv"]
FORMATS = ("auto", "qualtrics", "limesurvey", "csv")
XLSX_MAGIC = b"PK\x03\x04"
LIMESURVEY_META = {
    "id",
    "submitdate",
    "lastpage",
    "startlanguage",
    "seed",
    "startdate",
    "datestamp",
    "ipaddr",
    "refurl",
    "token",
    "interviewtime",
}
_LIME_CODE = re.compile(r"^([A-Za-z][A-Za-z0-9_]*(?:\[[^\]]+\])?)\.\s")


class FileError(ValueError):
    def __init__(self, message: str, field: str = "file") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class RowProblem:
    row: int
    field: str
    message: str


@dataclass
class ParsedFile:
    format: str
    columns: list[str]
    responses: list[SurveyResponse]
    questions: list[str]  # question columns (the unmapped report is computed from these)
    timezone: tzinfo | None = None
    problems: list[RowProblem] = field(default_factory=list)
    header_rows: int = 1
    # column -> the names a mapping may use for it (Qualtrics import ids, LimeSurvey codes)
    aliases: dict[str, list[str]] = field(default_factory=dict)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str | int | float | datetime):
        return value
    return str(value)


def read_table(data: bytes) -> list[list[Any]]:
    """All rows of the first sheet (XLSX) or of the CSV text."""
    if data.startswith(XLSX_MAGIC):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for broken archives
            raise FileError(f"not a readable XLSX workbook ({type(exc).__name__})") from None
        try:
            sheet = book.worksheets[0]
            return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise FileError("the file is neither CSV text nor an XLSX workbook (NUL bytes)")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise FileError(f"not a readable CSV file: {exc}") from None


def _import_ids(row: list[Any]) -> list[dict[str, Any]] | None:
    """Qualtrics' third header row, or None when the row is not one."""
    parsed: list[dict[str, Any]] = []
    for cell in row:
        text = str(cell).strip()
        if not text:
            parsed.append({})
            continue
        if not text.startswith("{"):
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None
        parsed.append(value if isinstance(value, dict) else {})
    return parsed if any("ImportId" in p for p in parsed) else None


def detect(rows: list[list[Any]]) -> str:
    if len(rows) >= 3 and _import_ids(rows[2]) is not None:
        return "qualtrics"
    header = {str(c).strip().lower() for c in rows[0]} if rows else set()
    if {"id", "submitdate"} <= header or {"id", "startlanguage"} <= header:
        return "limesurvey"
    return "csv"


def _zone(name: Any) -> tzinfo | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _row_hash(cells: list[Any]) -> str:
    canonical = json.dumps([str(c) for c in cells], ensure_ascii=False)
    return "row-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:24]


def parse_export(data: bytes, fmt: str = "auto", source: str = "generic") -> ParsedFile:
    if not data.strip():
        raise FileError("the file is empty")
    if fmt not in FORMATS:
        raise FileError(f"format must be one of {', '.join(FORMATS)}", field="format")
    rows = read_table(data)
    while rows and not any(str(c).strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise FileError("the file has no header row")
    kind = detect(rows) if fmt == "auto" else fmt
    columns = [str(c).strip() for c in rows[0]]
    if len(set(columns)) != len(columns):
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        raise FileError(f"the header names columns twice: {dupes[:5]}")
    aliases: dict[str, list[str]] = {c: [c] for c in columns}  # column -> the keys it answers to
    questions: list[str]
    tz: tzinfo | None = None
    header_rows = 1
    response_col = submitted_col = language_col = None
    if kind == "qualtrics":
        if len(rows) < 3 or (ids := _import_ids(rows[2])) is None:
            raise FileError("a Qualtrics export has three header rows (names, texts, import ids)")
        header_rows = 3
        questions = []
        for col, meta in zip(columns, ids, strict=False):
            import_id = str(meta.get("ImportId", ""))
            if import_id and import_id != col:
                aliases[col].append(import_id)
            base = re.sub(r"_TEXT$", "", import_id)
            if base != import_id:
                aliases[col].append(base)
            if import_id.startswith("QID") and not import_id.endswith("_NPS_GROUP"):
                questions.append(col)
            if import_id in ("recordedDate", "endDate") and tz is None:
                tz = _zone(meta.get("timeZone"))
        response_col, submitted_col, language_col = "ResponseId", "RecordedDate", "UserLanguage"
    elif kind == "limesurvey":
        questions = []
        for col in columns:
            match = _LIME_CODE.match(col)
            if match:
                aliases[col].append(match.group(1))
            if col.lower() not in LIMESURVEY_META and not col.lower().startswith("grouptime"):
                questions.append(col)
        lower = {c.lower(): c for c in columns}
        response_col, submitted_col = lower.get("id"), lower.get("submitdate")
        language_col = lower.get("startlanguage")
    else:
        questions = list(columns)

    responses: list[SurveyResponse] = []
    problems: list[RowProblem] = []
    for i, cells in enumerate(rows[header_rows:]):
        line = header_rows + i + 1
        if not any(str(c).strip() for c in cells):
            continue
        if len(cells) > len(columns) and any(str(c).strip() for c in cells[len(columns) :]):
            problems.append(
                RowProblem(line, "row", f"{len(cells)} cells but {len(columns)} columns")
            )
            continue
        cells = list(cells) + [""] * (len(columns) - len(cells))
        values: dict[str, Any] = {}
        for col, cell in zip(columns, cells, strict=False):
            for key in aliases[col]:
                values[key] = cell
        rid = values.get(response_col) if response_col else None
        responses.append(
            SurveyResponse(
                source=source,
                response_id=str(rid).strip() if rid not in (None, "") else _row_hash(cells),
                submitted_at=values.get(submitted_col) if submitted_col else None,
                language=str(values.get(language_col) or "") or None if language_col else None,
                values=values,
                questions=questions,
                row=line,
            )
        )
    return ParsedFile(kind, columns, responses, questions, tz, problems, header_rows, aliases)
