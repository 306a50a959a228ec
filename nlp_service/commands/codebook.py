"""`nlp-service codebook ...`: the API's /v1/codebook on the configured database (same service).

  codebook show --tenant T [--lang de] [--json]        themes with labels, source, status, size
  codebook edits --tenant T [--limit 50] [--json]      edit events, newest first
  codebook rename --tenant T ID [--de X] [--en Y] [--description D]
  codebook merge --tenant T ID ID... --into ID
  codebook propose-split --tenant T ID [--parts 2]     -> proposal id, parts with labels
  codebook split --tenant T ID --proposal P [--label de=..,en=..]...
  codebook move --tenant T --from ID --to ID ANSWER_ID...
  codebook retire|accept --tenant T ID
  codebook add --tenant T --de X --en Y [--description D] --phrase P --phrase P --phrase P
  codebook export --tenant T [--format json|csv] [--output FILE]
  codebook import --tenant T FILE [--format json|csv]
  codebook diff --tenant T [--json]                    every edit and what the last refit made of it

Edits are recorded with `--actor` (default "cli:$USER") as who.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from nlp_service.commands.errors import service_errors

if TYPE_CHECKING:
    import numpy as np

    from nlp_service.services.codebook import Applied, CodebookService

T = TypeVar("T")

app = typer.Typer(
    help="Edit a tenant's codebook (the API's /v1/codebook): rename, merge, split, move, retire, "
    "add, accept, import/export; `diff` shows what the last refit made of every edit.",
    no_args_is_help=True,
)
TENANT = typer.Option(..., "--tenant", "-t", help="Tenant name.")
JSON_OPT = typer.Option(False, "--json", help="Print JSON instead of a table.")
NOTE = typer.Option(None, "--note", help="Why (stored with the edit).")


def _default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


ACTOR = typer.Option(None, "--actor", help="Who the edit is recorded as (default cli:$USER).")


def _run(tenant: str, fn: Callable[[CodebookService, str], T]) -> T:
    """Open the database, find the tenant by name, run `fn(service, tenant_id)`."""
    from nlp_service.analysis.embedding import get_embedder
    from nlp_service.config import get_settings
    from nlp_service.services.codebook import CodebookService
    from nlp_service.services.tenants import tenant_by_name
    from nlp_service.services.topics import TopicProvider
    from nlp_service.store import make_sessionmaker, migrated_engine

    settings = get_settings()
    embedder = get_embedder(settings.embedder, settings.threads, settings.encode_batch_size)

    def encode(texts: Any) -> np.ndarray:
        return embedder.encode(list(texts))  # loads the model on first use only

    engine = migrated_engine(settings.resolved_database_url, one_shot=True)
    try:
        sessions = make_sessionmaker(engine)
        with sessions() as session:
            tenant_id = tenant_by_name(session, tenant).id
        topics = TopicProvider(settings, sessions, embedder.id)
        return fn(CodebookService(sessions, topics, embedder.id, encode), tenant_id)
    finally:
        engine.dispose()


def _print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    Console(width=160).print(table)


def _edit(tenant: str, data: dict[str, Any], actor: str | None, note: str | None) -> None:
    def run(service: CodebookService, tenant_id: str) -> Applied:
        edit = service.parse({k: v for k, v in data.items() if v is not None})
        return service.apply(tenant_id, actor or _default_actor(), [edit], note)

    with service_errors():
        applied = _run(tenant, run)
    out = {"edit": applied.edits[0].model_dump(mode="json"), "version": applied.version,
           "reassigned": applied.reassigned}  # fmt: skip
    typer.echo(json.dumps(out, ensure_ascii=False))


def _labels(de: str | None, en: str | None) -> dict[str, str]:
    return {k: v for k, v in (("de", de), ("en", en)) if v is not None}


@app.command()
def show(
    tenant: str = TENANT,
    lang: str | None = typer.Option(None, "--lang", help="de or en: the label shown."),
    as_json: bool = JSON_OPT,
) -> None:
    """The active codebook: id, label, source, status, answers, keywords."""
    from nlp_service.errors import InvalidInput

    with service_errors():
        if lang not in (None, "de", "en"):
            raise InvalidInput("lang must be de or en", field="lang")
        out = _run(tenant, lambda s, t: s.show(t, lang))
    if as_json:
        typer.echo(out.model_dump_json(indent=1))
        return
    rows = [[t.id, t.label, t.source, t.status, t.size, ", ".join(t.keywords[:5])]
            for t in out.themes]  # fmt: skip
    _print_table(
        f"{tenant}: version {out.version or 'starter codebook'}, {len(rows)} themes, "
        f"{out.edits} edits",
        ["id", "label", "source", "status", "answers", "keywords"], rows,
    )  # fmt: skip


@app.command()
def edits(
    tenant: str = TENANT,
    limit: int = typer.Option(50, min=1, max=500),
    as_json: bool = JSON_OPT,
) -> None:
    """Edit events, newest first: who, when, what, the last replay's outcome."""
    with service_errors():
        items, _ = _run(tenant, lambda s, t: s.edits(t, limit, None))
    if as_json:
        typer.echo(json.dumps([e.model_dump(mode="json") for e in items], ensure_ascii=False))
        return
    rows = [
        [e.id, e.kind, e.actor, e.created_at.isoformat(timespec="seconds"),
         json.dumps(e.params, ensure_ascii=False)[:80], e.status,
         e.last_replay.outcome if e.last_replay else "-"]
        for e in items
    ]  # fmt: skip
    _print_table(f"{tenant}: codebook edits", ["id", "kind", "actor", "when", "params", "status",
                                               "last replay"], rows)  # fmt: skip


@app.command()
def rename(
    theme_id: int = typer.Argument(...),
    tenant: str = TENANT,
    de: str | None = typer.Option(None, "--de", help="German label."),
    en: str | None = typer.Option(None, "--en", help="English label."),
    description: str | None = typer.Option(None, "--description"),
    note: str | None = NOTE,
    actor: str | None = ACTOR,
) -> None:
    """Rename a theme (one or both languages)."""
    data = {"kind": "rename", "theme_id": theme_id, "labels": _labels(de, en),
            "description": description}  # fmt: skip
    _edit(tenant, data, actor, note)


@app.command()
def merge(
    theme_ids: list[int] = typer.Argument(..., help="Themes to merge (two or more)."),
    into: int = typer.Option(..., "--into", help="The theme that stays (one of THEME_IDS)."),
    tenant: str = TENANT,
    note: str | None = NOTE,
    actor: str | None = ACTOR,
) -> None:
    """Merge themes into one of them."""
    _edit(tenant, {"kind": "merge", "theme_ids": theme_ids, "into": into}, actor, note)


@app.command("propose-split")
def propose_split(
    theme_id: int = typer.Argument(...),
    tenant: str = TENANT,
    parts: int = typer.Option(2, "--parts", min=2, max=6),
) -> None:
    """Propose a split of a theme (k-means on its answers' stored vectors)."""
    with service_errors():
        out = _run(tenant, lambda s, t: s.propose_split(t, theme_id, parts))
    typer.echo(out.model_dump_json(indent=1))


@app.command()
def split(
    theme_id: int = typer.Argument(...),
    proposal: str = typer.Option(..., "--proposal", help="proposal_id from propose-split."),
    label: list[str] = typer.Option(
        None, "--label", help="Per part, in order: 'de=...,en=...' (default: the proposal's)."
    ),
    tenant: str = TENANT,
    note: str | None = NOTE,
    actor: str | None = ACTOR,
) -> None:
    """Split a theme as a proposal suggests (the first part keeps the id)."""
    labels = None
    if label:
        labels = [dict(kv.split("=", 1) for kv in item.split(",") if "=" in kv) for item in label]
    data = {"kind": "split", "theme_id": theme_id, "proposal_id": proposal, "labels": labels}
    _edit(tenant, data, actor, note)


@app.command()
def move(
    answer_ids: list[str] = typer.Argument(..., help="Answer ids (ans_...)."),
    from_theme: int = typer.Option(..., "--from"),
    to_theme: int = typer.Option(..., "--to"),
    tenant: str = TENANT,
    note: str | None = NOTE,
    actor: str | None = ACTOR,
) -> None:
    """Move answers from one theme to another (kept after every refit)."""
    data = {"kind": "move", "answer_ids": answer_ids, "from_theme": from_theme,
            "to_theme": to_theme}  # fmt: skip
    _edit(tenant, data, actor, note)


@app.command()
def retire(
    theme_id: int = typer.Argument(...),
    tenant: str = TENANT,
    note: str | None = NOTE,
    actor: str | None = ACTOR,
) -> None:
    """Retire a theme (its answers go to their next nearest theme, or none)."""
    _edit(tenant, {"kind": "retire", "theme_id": theme_id}, actor, note)


@app.command()
def accept(
    theme_id: int = typer.Argument(...),
    tenant: str = TENANT,
    note: str | None = NOTE,
    actor: str | None = ACTOR,
) -> None:
    """Accept a `new` emergent theme (reviewed: status active, kept by refits)."""
    _edit(tenant, {"kind": "accept", "theme_id": theme_id}, actor, note)


@app.command()
def add(
    tenant: str = TENANT,
    de: str | None = typer.Option(None, "--de", help="German label."),
    en: str | None = typer.Option(None, "--en", help="English label."),
    description: str = typer.Option("", "--description"),
    phrase: list[str] = typer.Option(..., "--phrase", help="Example phrase (at least 3)."),
    theme_id: int | None = typer.Option(None, "--id", help="Keep this id (default: next)."),
    note: str | None = NOTE,
    actor: str | None = ACTOR,
) -> None:
    """Add a theme from a name and example phrases (embedded into its prototype)."""
    data = {"kind": "add", "labels": _labels(de, en), "description": description,
            "phrases": phrase, "theme_id": theme_id}  # fmt: skip
    _edit(tenant, data, actor, note)


@app.command()
def export(
    tenant: str = TENANT,
    format: str = typer.Option("json", "--format", "-f", help="json or csv."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File (default stdout)."),
) -> None:
    """Export the active codebook (id, labels, description, keywords, phrases, source, status)."""
    with service_errors():
        fmt = _format(format)
        text = _run(tenant, lambda s, t: s.export(t, fmt))
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


def _format(value: str) -> Any:
    from nlp_service.errors import InvalidInput

    if value not in ("json", "csv"):
        raise InvalidInput("format must be json or csv", field="format")
    return value


@app.command("import")
def import_(
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    tenant: str = TENANT,
    format: str | None = typer.Option(
        None, "--format", "-f", help="json or csv (default: from the file name)."
    ),
    note: str | None = NOTE,
    actor: str | None = ACTOR,
) -> None:
    """Import a codebook file: new ids become added themes, known ids renames."""
    with service_errors():
        fmt = _format(format or ("csv" if file.suffix.lower() == ".csv" else "json"))
        text = file.read_text(encoding="utf-8-sig")
        out = _run(tenant, lambda s, t: s.import_file(t, actor or _default_actor(), text, fmt,
                                                      note))  # fmt: skip
    typer.echo(out.model_dump_json(indent=1))


@app.command()
def diff(tenant: str = TENANT, as_json: bool = JSON_OPT) -> None:
    """Every edit and whether the last refit honoured it or reported a conflict."""
    with service_errors():
        out = _run(tenant, lambda s, t: s.diff(t))
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    rows = [[e["id"], e["kind"], json.dumps(e["params"], ensure_ascii=False)[:70],
             e["replayed_in"] or "-", e["outcome"], e["reason"] or ""]
            for e in out["edits"]]  # fmt: skip
    _print_table(f"{tenant}: edits vs the last refit (active {out['active_version']})",
                 ["edit", "kind", "params", "replayed in", "outcome", "reason"], rows)  # fmt: skip
