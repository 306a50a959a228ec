"""`nlp-service topics ...`: fit, show and assign emergent themes.

Models live in `<data dir>/topics/<name>/<version>/` (NLP_SERVICE_DATA_DIR, default ./data); a name
not found there is looked up in the project's `models/topics/` (the shipped `demo` model).

  topics fit --input answers.jsonl --name NAME [--previous VERSION|active]
  topics show NAME [--json]              theme table / {"documents", "unassigned", "themes": [...]}
  topics assign --name NAME FILE         one JSON object per answer: its segments' themes
  topics hierarchy NAME                  parent themes and their children
  topics per-class NAME [--input FILE]   themes per touchpoint (stored from the fit, or of FILE)
  topics over-time NAME [--input FILE]   themes per period
  topics mapping NAME                    what the refit kept / merged / split / added / retired
  topics versions NAME | topics activate NAME VERSION
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from nlp_service.commands.errors import service_errors

if TYPE_CHECKING:
    # Imported lazily below so `nlp-service --help` stays fast; the types still carry over.
    import numpy as np
    from rich.console import Console

    from nlp_service.analysis.corpus import Answer
    from nlp_service.analysis.embedding import Embedder
    from nlp_service.analysis.topics import TopicModel, TopicRegistry
    from nlp_service.config import Settings

app = typer.Typer(
    help="Emergent themes: fit on answers' sentence segments, show, assign, and explore them "
    "(hierarchy, per-class, over-time, mapping between versions). Models are stored under "
    "<NLP_SERVICE_DATA_DIR>/topics/NAME/VERSION; names missing there are read from the "
    "project's models/topics (the shipped 'demo').",
    no_args_is_help=True,
)

NAME_ARG = typer.Argument(..., help="Topic model name, e.g. 'demo'.")
VERSION_OPT = typer.Option(None, "--version", "-v", help="Version (default: the active one).")
ROOT_OPT = typer.Option(None, "--root", help="Registry root (default: <data dir>/topics).")
JSON_OPT = typer.Option(False, "--json", help="Print JSON instead of a table.")
INPUT_OPT = typer.Option(
    None, "--input", "-i", exists=True, dir_okay=False,
    help="JSON lines answers to assign and summarise instead of the fitted corpus.",
)  # fmt: skip


def _settings() -> Settings:
    from nlp_service.config import get_settings

    return get_settings()


def _registry(name: str, root: Path | None) -> TopicRegistry:
    """The registry holding `name`: --root, else the data dir, else the shipped models/."""
    from nlp_service.analysis.topics import TopicRegistry
    from nlp_service.paths import MODELS_DIR

    if root is not None:
        return TopicRegistry(root)
    data = TopicRegistry(Path(_settings().data_dir) / "topics")
    shipped = TopicRegistry(MODELS_DIR / "topics")
    return data if data.versions(name) or not shipped.versions(name) else shipped


def _load(name: str, version: str | None, root: Path | None) -> TopicModel:
    return _registry(name, root).load(name, version)


def _embed(texts: list[str], label: str) -> tuple[Embedder, np.ndarray]:
    """Embed segments once with the main embedder; vectors cached in <data dir>/cache/embeddings
    by content hash, so fitting the same answers again does not re-embed."""
    from rich.progress import Progress

    from nlp_service.analysis.corpus import embed_cached
    from nlp_service.analysis.embedding import get_embedder

    settings = _settings()
    embedder = get_embedder(settings.embedder, settings.threads, settings.encode_batch_size)
    cache = Path(settings.data_dir) / "cache" / "embeddings"
    with Progress(transient=True, console=_stderr_console()) as bar:
        task = bar.add_task(label, total=len(texts))
        vectors = embed_cached(texts, embedder, cache, lambda k: bar.advance(task, k))
    return embedder, vectors


def _stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def _print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*[str(v) for v in row])
    Console(width=160).print(table)


@app.command()
def fit(
    input: Path = typer.Option(
        ...,
        "--input",
        "-i",
        exists=True,
        dir_okay=False,
        help="JSON lines: text (required), touchpoint, submitted_at, kpi.",
    ),
    name: str = typer.Option(..., "--name", "-n", help="Model name to save under."),
    previous: str | None = typer.Option(
        None,
        help="Refit from this saved version of NAME ('active' for the active one): "
        "themes keep their IDs and the mapping is stored.",
    ),
    min_size: int | None = typer.Option(None, help="Segments a theme needs (default: settings)."),
    threshold: float | None = typer.Option(
        None, help="Min. cosine similarity to assign a segment (default: settings)."
    ),
    max_themes: int = typer.Option(60, help="Upper bound on the number of themes."),
    seed: int = typer.Option(42, help="Random seed (same input + seed = same themes)."),
    activate: bool = typer.Option(True, help="Make the new version the active one."),
    root: Path | None = ROOT_OPT,
) -> None:
    """Fit themes on the answers' segments (each answer split into sentences/aspects, embedded
    once with the main embedder), save a new version and print its summary."""  # fmt: skip
    from rich.progress import Progress

    from nlp_service.analysis.corpus import read_answers, segment_answers
    from nlp_service.analysis.topics import TopicParams, TopicRegistry, fit_topics

    with service_errors():
        settings = _settings()
        registry = TopicRegistry(root or Path(settings.data_dir) / "topics")
        prev = None
        if previous is not None:
            prev = _registry(name, root).load(name, None if previous == "active" else previous)
        answers = read_answers(input)
        segments = segment_answers(answers, settings.max_chunk_chars)
        embedder, vectors = _embed(segments.texts, f"embedding {len(segments.texts)} segments")
        overrides: dict[str, Any] = {"max_themes": max_themes, "seed": seed}
        if min_size is not None:
            overrides["min_size"] = min_size
        if threshold is not None:
            overrides["outlier_threshold"] = threshold
        params = TopicParams.from_settings(settings, **overrides)
        with Progress(transient=True, console=_stderr_console()) as bar:
            task = bar.add_task("fitting themes", total=1.0)
            report: Callable[[float], None] = lambda f: bar.update(task, completed=f)  # noqa: E731
            result = fit_topics(
                segments.texts, vectors, languages=segments.languages, classes=segments.classes,
                timestamps=segments.timestamps, answers=segments.answer, previous=prev,
                params=params, embedder_id=embedder.id, progress=report, name=name,
            )  # fmt: skip
        version = registry.save(name, result, activate=activate)
    m = result.metrics
    summary = {
        "name": name, "version": version, "active": activate, "answers": len(answers),
        "segments": m.documents, "themes": m.themes,
        "unassigned": m.unassigned_answers,  # answers none of whose segments got a theme
        "unassigned_share": round((m.unassigned_answers or 0) / max(len(answers), 1), 4),
        "unassigned_segments": m.unassigned,
        "unassigned_segments_share": round(m.unassigned_share, 4),
        "mode": m.mode, "seconds": m.seconds,
        "mapping": {k: len(result.mapping.ids(k)) for k in ("kept", "merged", "split", "new",
                                                             "retired")} if prev else None,
        "kept_share": result.mapping.kept_share(),
    }  # fmt: skip
    typer.echo(json.dumps(summary, ensure_ascii=False))


@app.command()
def show(
    name: str = NAME_ARG, version: str | None = VERSION_OPT, as_json: bool = JSON_OPT,
    root: Path | None = ROOT_OPT,
) -> None:  # fmt: skip
    """The theme table (id, label, size, keywords, parent). --json prints
    {"documents": N, "unassigned": COUNT, "themes": [{"id", "label", "keywords", "size",
    "examples", "parent"}]}: documents are answers, unassigned the answers without any theme,
    and a theme's size counts segments (one answer can carry several themes)."""
    with service_errors():
        model = _load(name, version, root)
    if as_json:
        typer.echo(json.dumps(model.summary(), ensure_ascii=False, indent=1))
        return
    share = model.unassigned / model.documents if model.documents else 0.0
    rows = [[t.id, t.label, t.size, ", ".join(t.keywords[:6]), t.parent] for t in model.themes()]
    answers = ""
    if model.answers:
        done = model.unassigned_answers or 0
        answers = f"{model.answers} answers ({done / model.answers:.1%} without a theme), "
    _print_table(
        f"{name} {model.version}: {len(rows)} themes, {answers}{model.documents} segments "
        f"({model.unassigned} unassigned, {share:.1%})",
        ["id", "label", "size", "keywords", "parent"], rows,
    )  # fmt: skip


@app.command()
def assign(
    file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="JSON lines with 'text' (or plain text, one answer a line)."),
    name: str = typer.Option(..., "--name", "-n"), version: str | None = VERSION_OPT,
    root: Path | None = ROOT_OPT,
) -> None:  # fmt: skip
    """Assign themes to each answer's segments; one JSON object per answer on stdout."""
    with service_errors():
        model = _load(name, version, root)
        answers = _read_any(file)
        rows = _assign_answers(model, answers)
    for row in rows:
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_any(file: Path) -> list[Any]:
    from nlp_service.analysis.corpus import Answer, read_answers

    head = file.read_text(encoding="utf-8").lstrip()[:1]
    if head == "{":
        return read_answers(file)
    lines = file.read_text(encoding="utf-8").splitlines()
    return [Answer(line) for line in lines if line.strip()]


def _assign_answers(model: TopicModel, answers: list[Answer]) -> list[dict[str, Any]]:
    from nlp_service.analysis.corpus import segment_answers
    from nlp_service.errors import ModelError

    segments = segment_answers(answers, _settings().max_chunk_chars)
    embedder, vectors = _embed(segments.texts, f"embedding {len(segments.texts)} segments")
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


@app.command()
def hierarchy(
    name: str = NAME_ARG, version: str | None = VERSION_OPT, as_json: bool = JSON_OPT,
    root: Path | None = ROOT_OPT,
) -> None:  # fmt: skip
    """Parent themes (groups of similar themes) with their children."""
    with service_errors():
        model = _load(name, version, root)
    labels = {t.id: t.label for t in model.themes()}
    if as_json:
        typer.echo(json.dumps([p.to_dict() for p in model.parents], ensure_ascii=False, indent=1))
        return
    rows = [[p.id, p.label, p.size, "; ".join(f"{c} {labels[c]}" for c in p.children)]
            for p in model.parents]  # fmt: skip
    _print_table(f"{name} {model.version}: parent themes", ["parent", "label", "size",
                                                            "themes"], rows)  # fmt: skip


def _structure_rows(model: Any, kind: str, input: Path | None, bin_: str) -> Any:
    from nlp_service.analysis.corpus import segment_answers
    from nlp_service.analysis.topics import over_time, per_class

    if input is None:
        stored = model.structure.get(kind)
        if stored is None:
            from nlp_service.errors import NotFound

            what = "touchpoints" if kind == "per_class" else "timestamps"
            raise NotFound(f"version {model.version} was fitted without {what}; pass --input FILE")
        return stored["rows"] if kind == "over_time" else stored
    from nlp_service.analysis.corpus import read_answers

    answers = read_answers(input)
    segments = segment_answers(answers, _settings().max_chunk_chars)
    _, vectors = _embed(segments.texts, f"embedding {len(segments.texts)} segments")
    ids, _ = model.assign_ids(vectors)
    labels = {t.id: t.label for t in model.themes()}
    if kind == "per_class":
        return per_class(ids, segments.classes, labels)
    return over_time(ids, segments.timestamps, labels, bin_)[1]


@app.command("per-class")
def per_class_cmd(
    name: str = NAME_ARG, version: str | None = VERSION_OPT, input: Path | None = INPUT_OPT,
    top: int = typer.Option(5, help="Themes shown per class in the table."),
    as_json: bool = JSON_OPT, root: Path | None = ROOT_OPT,
) -> None:  # fmt: skip
    """Themes per touchpoint (class): size, share of the class's segments, class keywords."""
    with service_errors():
        model = _load(name, version, root)
        rows = _structure_rows(model, "per_class", input, "auto")
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    shown: dict[str, int] = {}
    table = []
    for r in rows:
        shown[r["class"]] = shown.get(r["class"], 0) + 1
        if shown[r["class"]] <= top:
            table.append([r["class"], r["id"], r["label"], r["size"], f"{r['share']:.1%}",
                          ", ".join(r.get("keywords", [])[:4])])  # fmt: skip
    _print_table(f"{name} {model.version}: themes per class",
                 ["class", "id", "label", "size", "share", "keywords"], table)  # fmt: skip


@app.command("over-time")
def over_time_cmd(
    name: str = NAME_ARG, version: str | None = VERSION_OPT, input: Path | None = INPUT_OPT,
    bin: str = typer.Option("auto", help="day, week, month, quarter, year or auto (with --input)"),
    top: int = typer.Option(5, help="Themes shown per period in the table."),
    as_json: bool = JSON_OPT, root: Path | None = ROOT_OPT,
) -> None:  # fmt: skip
    """Themes per period: size and share of the period's segments."""
    with service_errors():
        model = _load(name, version, root)
        rows = _structure_rows(model, "over_time", input, bin)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    shown: dict[str, int] = {}
    table = []
    for r in rows:
        shown[r["period"]] = shown.get(r["period"], 0) + 1
        if shown[r["period"]] <= top:
            table.append([r["period"], r["id"], r["label"], r["size"], f"{r['share']:.1%}"])
    _print_table(f"{name} {model.version}: themes over time",
                 ["period", "id", "label", "size", "share"], table)  # fmt: skip


@app.command()
def mapping(
    name: str = NAME_ARG, version: str | None = VERSION_OPT, as_json: bool = JSON_OPT,
    root: Path | None = ROOT_OPT,
) -> None:  # fmt: skip
    """How this version's theme IDs relate to the previous version's."""
    with service_errors():
        model = _load(name, version, root)
    data = model.mapping.to_dict()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    rows = [[e["kind"], e["old"], e["old_label"], e["new"], e["new_label"], e["similarity"]]
            for e in data["entries"]]  # fmt: skip
    _print_table(f"{name} {model.version} vs {data['previous_version']}: "
                 f"kept share {data['kept_share']}",
                 ["kind", "old", "old label", "new", "new label", "similarity"], rows)  # fmt: skip


@app.command()
def versions(name: str = NAME_ARG, root: Path | None = ROOT_OPT) -> None:
    """Saved versions of NAME; the active one is marked with '*'."""
    with service_errors():
        registry = _registry(name, root)
        active = registry.active_version(name)
        for v in registry.versions(name):
            typer.echo(f"{'*' if v == active else ' '} {v}")


@app.command()
def activate(name: str = NAME_ARG, version: str = typer.Argument(...),
             root: Path | None = ROOT_OPT) -> None:  # fmt: skip
    """Make VERSION the active version of NAME (atomic pointer switch)."""
    with service_errors():
        _registry(name, root).activate(name, version)
    typer.echo(json.dumps({"name": name, "active": version}))
