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

This module holds the commands, their options and which registry a name is read from; the work
is in topics_fit.py (fitting), topics_assign.py (a model applied to answers),
topics_embedding.py (answers -> segments -> cached vectors) and topics_tables.py (the tables).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from nlp_service.commands.errors import service_errors
from nlp_service.commands.topics_assign import (
    assign_answers,
    read_any,
    stored_structure,
    structure_of,
)
from nlp_service.commands.topics_fit import fit_answers, fit_summary
from nlp_service.commands.topics_tables import (
    print_mapping,
    print_parents,
    print_themes,
    print_top_per_group,
)

if TYPE_CHECKING:
    # Imported lazily below so `nlp-service --help` stays fast; the types still carry over.
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
    from nlp_service.analysis.corpus import read_answers
    from nlp_service.analysis.topics import TopicRegistry

    with service_errors():
        settings = _settings()
        registry = TopicRegistry(root or Path(settings.data_dir) / "topics")
        prev = None
        if previous is not None:
            prev = _registry(name, root).load(name, None if previous == "active" else previous)
        answers = read_answers(input)
        overrides: dict[str, Any] = {"max_themes": max_themes, "seed": seed}
        if min_size is not None:
            overrides["min_size"] = min_size
        if threshold is not None:
            overrides["outlier_threshold"] = threshold
        result = fit_answers(answers, name, prev, settings, overrides)
        version = registry.save(name, result, activate=activate)
    summary = fit_summary(name, version, activate, len(answers), result, prev is not None)
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
    print_themes(name, model)


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
        answers = read_any(file)
        rows = assign_answers(model, answers, _settings())
    for row in rows:
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


@app.command()
def hierarchy(
    name: str = NAME_ARG, version: str | None = VERSION_OPT, as_json: bool = JSON_OPT,
    root: Path | None = ROOT_OPT,
) -> None:  # fmt: skip
    """Parent themes (groups of similar themes) with their children."""
    with service_errors():
        model = _load(name, version, root)
    if as_json:
        typer.echo(json.dumps([p.to_dict() for p in model.parents], ensure_ascii=False, indent=1))
        return
    print_parents(name, model)


def _structure_rows(model: Any, kind: str, input: Path | None, bin_: str) -> Any:
    if input is None:
        return stored_structure(model, kind)
    return structure_of(model, kind, input, bin_, _settings())


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
    title = f"{name} {model.version}: themes per class"
    print_top_per_group(title, rows, "class", top, keywords=True)


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
    title = f"{name} {model.version}: themes over time"
    print_top_per_group(title, rows, "period", top, keywords=False)


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
    print_mapping(name, model, data)


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
