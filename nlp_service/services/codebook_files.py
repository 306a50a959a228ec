"""Codebook files: export a tenant's themes as JSON or CSV, read such a file back as rows.

Columns (CSV) and keys (JSON, under "themes"): id, label_de, label_en, description, keywords,
phrases, source, status. In CSV, keywords and phrases are `|`-separated. Reading validates every
row and names the one at fault: `themes.3.label_de` (JSON) or `rows.4.phrases` (CSV, the line
number in the file, the header being line 1)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nlp_service.errors import InvalidInput
from nlp_service.validation import CleanStr

if TYPE_CHECKING:
    from nlp_service.analysis.topics import TopicModel

FileFormat = Literal["json", "csv"]
EXPORT_FORMAT = "nlp-service-codebook-export/1"
COLUMNS = ("id", "label_de", "label_en", "description", "keywords", "phrases", "source", "status")
REQUIRED = ("id", "label_de", "label_en")
SEPARATOR = "|"
MAX_ROWS = 1_000


class CodebookRow(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    id: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    label_de: Annotated[CleanStr, Field(max_length=100)] = ""
    label_en: Annotated[CleanStr, Field(max_length=100)] = ""
    description: Annotated[CleanStr, Field(max_length=500)] = ""
    keywords: list[Annotated[CleanStr, Field(max_length=200)]] = Field(default_factory=list)
    phrases: list[Annotated[CleanStr, Field(min_length=1, max_length=500)]] = Field(
        default_factory=list, max_length=200
    )

    @field_validator("keywords", "phrases", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [p.strip() for p in value.split(SEPARATOR) if p.strip()]
        return value

    @field_validator("id", mode="before")
    @classmethod
    def _blank_id(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    def labels(self) -> dict[str, str]:
        return {k: v for k, v in (("de", self.label_de), ("en", self.label_en)) if v}


def export_rows(model: TopicModel) -> list[dict[str, Any]]:
    return [
        {
            "id": t.id,
            "label_de": t.labels.get("de", t.label),
            "label_en": t.labels.get("en", t.label),
            "description": t.description,
            "keywords": list(t.keywords),
            "phrases": [p.replace(SEPARATOR, "/") for p in t.examples],
            "source": t.source,
            "status": t.status,
        }
        for t in model.themes()
    ]


def export_text(rows: Sequence[dict[str, Any]], fmt: FileFormat, version: str | None) -> str:
    if fmt == "json":
        body = {"format": EXPORT_FORMAT, "version": version, "themes": list(rows)}
        return json.dumps(body, ensure_ascii=False, indent=1) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {**row, "keywords": SEPARATOR.join(row["keywords"]),
             "phrases": SEPARATOR.join(row["phrases"])}
        )  # fmt: skip
    return buffer.getvalue()


def _row(data: Any, where: str) -> CodebookRow:
    if not isinstance(data, dict):
        raise InvalidInput(f"{where}: expected an object", field=where)
    try:
        row = CodebookRow.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join([where, *(str(p) for p in err["loc"])])
        message = err["msg"].removeprefix("Value error, ")
        raise InvalidInput(f"{field}: {message}", field=field) from None
    if not row.labels():
        field = f"{where}.label_en"
        raise InvalidInput(f"{field}: a theme needs label_de and/or label_en", field=field)
    return row


def parse_file(text: str, fmt: FileFormat) -> list[tuple[str, CodebookRow]]:
    """(location, row) per theme in the file, validated; locations name rows in errors."""
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"body is not valid JSON (line {exc.lineno}): {exc.msg}", field="body"
            ) from None
        items = data.get("themes") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise InvalidInput('expected {"themes": [...]} or a list of themes', field="themes")
        located = [(f"themes.{i}", item) for i, item in enumerate(items)]
    else:
        reader = csv.DictReader(io.StringIO(text))
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise InvalidInput(
                f"CSV header lacks column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}",
                field=f"header.{missing[0]}",
            )
        try:
            located = [(f"rows.{reader.line_num}", dict(r)) for r in reader]
        except csv.Error as exc:
            raise InvalidInput(f"CSV line {reader.line_num}: {exc}", field="body") from None
    if not located:
        raise InvalidInput("the file holds no themes", field="themes")
    if len(located) > MAX_ROWS:
        raise InvalidInput(f"at most {MAX_ROWS} themes per file", field="themes")
    rows = [(where, _row(item, where)) for where, item in located]
    seen: set[int] = set()
    for where, row in rows:
        if row.id is not None and row.id in seen:
            raise InvalidInput(f"{where}.id: theme id {row.id} appears twice", field=f"{where}.id")
        if row.id is not None:
            seen.add(row.id)
    return rows
