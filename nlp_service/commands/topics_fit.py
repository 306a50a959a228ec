"""`topics fit`'s work: themes fitted on answers' segments, and the summary line it prints."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nlp_service.commands.topics_embedding import embed_answers, stderr_console

if TYPE_CHECKING:
    from nlp_service.analysis.corpus import Answer
    from nlp_service.analysis.topics import FitResult, TopicModel
    from nlp_service.config import Settings


def fit_answers(
    answers: list[Answer], name: str, previous: TopicModel | None, settings: Settings,
    overrides: dict[str, Any],
) -> FitResult:  # fmt: skip
    """Fit themes on the answers' segments (each embedded once), refitting from `previous`
    when given; `overrides` replace the settings' topic parameters."""
    from rich.progress import Progress

    from nlp_service.analysis.topics import TopicParams, fit_topics

    segments, embedder, vectors = embed_answers(answers, settings)
    params = TopicParams.from_settings(settings, **overrides)
    with Progress(transient=True, console=stderr_console()) as bar:
        task = bar.add_task("fitting themes", total=1.0)
        report: Callable[[float], None] = lambda f: bar.update(task, completed=f)  # noqa: E731
        return fit_topics(
            segments.texts, vectors, languages=segments.languages, classes=segments.classes,
            timestamps=segments.timestamps, answers=segments.answer, previous=previous,
            params=params, embedder_id=embedder.id, progress=report, name=name,
        )  # fmt: skip


def fit_summary(
    name: str, version: str, activate: bool, answers: int, result: FitResult, refit: bool
) -> dict[str, Any]:
    """What `topics fit` prints: sizes, the share of answers without a theme and, for a refit,
    how many themes were kept, merged, split, added and retired."""
    m = result.metrics
    return {
        "name": name, "version": version, "active": activate, "answers": answers,
        "segments": m.documents, "themes": m.themes,
        "unassigned": m.unassigned_answers,  # answers none of whose segments got a theme
        "unassigned_share": round((m.unassigned_answers or 0) / max(answers, 1), 4),
        "unassigned_segments": m.unassigned,
        "unassigned_segments_share": round(m.unassigned_share, 4),
        "mode": m.mode, "seconds": m.seconds,
        "mapping": {k: len(result.mapping.ids(k)) for k in ("kept", "merged", "split", "new",
                                                             "retired")} if refit else None,
        "kept_share": result.mapping.kept_share(),
    }  # fmt: skip
