"""`nlp-service analyze [FILE]`: one JSON object per input line, errors per line, order kept."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any

from nlp_service.analysis.answer_input import AnswerInput
from nlp_service.analysis.pipeline import Pipeline
from nlp_service.errors import InvalidInput, ServiceError

CHUNK = 64  # lines per analyze_batch call
PROGRESS_MIN_BYTES = 64 * 1024  # show a progress bar for inputs larger than this


def parse_line(raw: bytes, max_chars: int) -> tuple[AnswerInput, dict[str, Any]]:
    """Decode and validate one input line: plain text or a JSON object with `text`."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"line is not valid UTF-8 (byte {exc.start}: {raw[exc.start : exc.start + 1]!r})",
            field="text",
            code="invalid_utf8",
        ) from None
    line = line.rstrip("\r\n")
    extra: dict[str, Any] = {}
    if line.lstrip().startswith("{"):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"invalid JSON: {exc.msg} at column {exc.colno}", code="invalid_json"
            ) from None
        if not isinstance(obj, dict):
            raise InvalidInput(
                "a JSON line must be an object with a 'text' field", code="invalid_json"
            )
        if "text" not in obj:
            raise InvalidInput("missing field 'text'", field="text")
        if "id" in obj:
            extra["id"] = obj["id"]
        return (
            AnswerInput.create(
                obj["text"], obj.get("language"), obj.get("kpi"), max_chars=max_chars
            ),
            extra,
        )
    return AnswerInput.create(line, max_chars=max_chars), extra


def run(stream: IO[bytes], out: IO[str], pipeline: Pipeline, total_bytes: int | None) -> int:
    """Analyse every line; returns the number of lines that produced an error object."""
    from tqdm import tqdm

    errors = 0
    show = total_bytes is not None and total_bytes > PROGRESS_MIN_BYTES
    bar = tqdm(total=total_bytes, unit="B", unit_scale=True, file=sys.stderr, disable=not show)
    pending: list[tuple[int, AnswerInput | ServiceError, dict[str, Any]]] = []

    def flush() -> None:
        nonlocal errors
        # Lines were validated on parsing, so the batch holds only analysable items; a model
        # failure here is not the input's fault and stops the run loudly.
        good = [(n, item, extra) for n, item, extra in pending if isinstance(item, AnswerInput)]
        analyses = iter(pipeline.analyze_batch([item for _, item, _ in good]))
        for n, item, extra in pending:
            if isinstance(item, ServiceError):
                errors += 1
                obj = {"line": n, **extra, "error": item.to_dict()}
            else:
                obj = {"line": n, **extra, **next(analyses).to_dict()}
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
        out.flush()
        pending.clear()

    for n, raw in enumerate(stream, start=1):
        bar.update(len(raw))
        try:
            item, extra = parse_line(raw, pipeline.settings.max_text_chars)
            pending.append((n, item, extra))
        except ServiceError as exc:
            pending.append((n, exc, {}))
        if len(pending) >= CHUNK:
            flush()
    flush()
    bar.close()
    return errors


def analyze_command(file: Path | None) -> int:
    from nlp_service.config import get_settings

    pipeline = Pipeline.from_settings(get_settings())
    if file is None:
        return run(sys.stdin.buffer, sys.stdout, pipeline, None)
    with file.open("rb") as fh:
        return run(fh, sys.stdout, pipeline, file.stat().st_size)
