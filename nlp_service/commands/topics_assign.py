"""What a fitted theme model makes of answers, for `topics assign`, `per-class` and `over-time`:
each answer's segments assigned to themes, and themes per touchpoint or period (stored with the
fit, or computed for a file of answers)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlp_service.commands.topics_embedding import embed_answers

if TYPE_CHECKING:
    from nlp_service.analysis.corpus import Answer
    from nlp_service.analysis.topics import TopicModel
    from nlp_service.config import Settings


def read_any(file: Path) -> list[Any]:
    """JSON lines answers when the file starts with '{', else one plain-text answer a line."""
    from nlp_service.analysis.corpus import Answer, read_answers

    head = file.read_text(encoding="utf-8").lstrip()[:1]
    if head == "{":
        return read_answers(file)
    lines = file.read_text(encoding="utf-8").splitlines()
    return [Answer(line) for line in lines if line.strip()]


def assign_answers(
    model: TopicModel, answers: list[Answer], settings: Settings
) -> list[dict[str, Any]]:
    """One row per answer: its segments with their themes, and its themes (each once, with its
    most confident segment's assignment), most confident first."""
    from nlp_service.errors import ModelError

    segments, embedder, vectors = embed_answers(answers, settings)
    if embedder.id != model.embedder_id:
        raise ModelError(f"model {model.version} needs '{model.embedder_id}' vectors, "
                         f"the configured embedder is '{embedder.id}'")  # fmt: skip
    assignments = model.assign(vectors)
    out: list[dict[str, Any]] = []
    for i, answer in enumerate(answers):
        segs: list[dict[str, Any]] = [
            {"text": segments.texts[j], "topic": assignments[j].to_dict()}
            for j in map(int, (segments.answer == i).nonzero()[0])
        ]
        best: dict[int, dict[str, Any]] = {}
        for s in segs:
            t = s["topic"]
            if t["id"] >= 0 and t["confidence"] > best.get(t["id"], {}).get("confidence", -1):
                best[t["id"]] = t
        row = {"line": i + 1, **({"id": answer.id} if answer.id is not None else {})}
        row.update(themes=sorted(best.values(), key=lambda t: -t["confidence"]), segments=segs)
        out.append(row)
    return out


def stored_structure(model: Any, kind: str) -> Any:
    """The `kind` rows ('per_class' or 'over_time') saved with the fit."""
    stored = model.structure.get(kind)
    if stored is None:
        from nlp_service.errors import NotFound

        what = "touchpoints" if kind == "per_class" else "timestamps"
        raise NotFound(f"version {model.version} was fitted without {what}; pass --input FILE")
    return stored["rows"] if kind == "over_time" else stored


def structure_of(model: Any, kind: str, input: Path, bin_: str, settings: Settings) -> Any:
    """The `kind` rows ('per_class' or 'over_time') of the answers in `input`, assigned by
    `model`."""
    from nlp_service.analysis.corpus import read_answers
    from nlp_service.analysis.topics import over_time, per_class

    segments, _, vectors = embed_answers(read_answers(input), settings)
    ids, _ = model.assign_ids(vectors)
    labels = {t.id: t.label for t in model.themes()}
    if kind == "per_class":
        return per_class(ids, segments.classes, labels)
    return over_time(ids, segments.timestamps, labels, bin_)[1]
