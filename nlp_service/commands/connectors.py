"""`nlp-service mappings create|list|show|delete`, `nlp-service import FILE --mapping M`,
`nlp-service export`: the same mappings, import and export as /v1/connectors, /v1/imports and
/v1/exports, on the configured database."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

mappings_app = typer.Typer(
    help="Survey mappings (KPI, open questions, touchpoint...) for webhooks and imports.",
    no_args_is_help=True,
)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def _show(info: dict[str, Any]) -> str:
    return json.dumps(info, ensure_ascii=False, indent=2, default=str)


@mappings_app.command("create")
def mappings_create(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Mapping as JSON."),
    tenant: str = typer.Option(..., "--tenant", help="Tenant name."),
) -> None:
    """Create a mapping from a JSON file (the body of POST /v1/connectors/mappings)."""
    from pydantic import ValidationError

    from nlp_service.commands.service import _run
    from nlp_service.connectors.mapping import MappingSpec
    from nlp_service.services import connectors
    from nlp_service.services.tenants import tenant_by_name

    try:
        spec = MappingSpec.model_validate_json(file.read_bytes())
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise _fail(f"{where}: {err['msg']}") from None
    info = _run(
        lambda s: connectors.describe(
            connectors.create_mapping(s, tenant_by_name(s, tenant).id, spec)
        )
    )
    typer.echo(_show(info))


@mappings_app.command("list")
def mappings_list(tenant: str = typer.Option(..., "--tenant", help="Tenant name.")) -> None:
    """The tenant's mappings: id, source, name, webhook path."""
    from nlp_service.commands.service import _run
    from nlp_service.services.tenants import tenant_by_name
    from nlp_service.store.connectors import MappingRepository

    rows = _run(
        lambda s: [
            (r.id, r.source, r.name, bool(r.secret))
            for r in MappingRepository(s, tenant_by_name(s, tenant).id).list()
        ]
    )
    for mapping_id, source, name, has_secret in rows:
        from nlp_service.connectors.mapping import webhook_path

        url = webhook_path(source, mapping_id) or "-"
        typer.echo(f"{mapping_id}\t{source}\t{name}\t{url}\tsecret={'yes' if has_secret else 'no'}")


@mappings_app.command("show")
def mappings_show(
    mapping: str = typer.Argument(..., help="Mapping id (or name with --tenant)."),
    tenant: str | None = typer.Option(None, "--tenant", help="Tenant name."),
) -> None:
    """One mapping as JSON (without its secret)."""
    from nlp_service.commands.service import _run
    from nlp_service.services import connectors
    from nlp_service.services.tenants import tenant_by_name
    from nlp_service.store.connectors import mapping_by_ref

    info = _run(
        lambda s: connectors.describe(
            mapping_by_ref(s, mapping, tenant_by_name(s, tenant).id if tenant else None)
        )
    )
    typer.echo(_show(info))


@mappings_app.command("delete")
def mappings_delete(
    mapping: str = typer.Argument(..., help="Mapping id (or name with --tenant)."),
    tenant: str | None = typer.Option(None, "--tenant", help="Tenant name."),
) -> None:
    """Delete a mapping; its webhook URL stops working, stored answers stay."""
    from nlp_service.commands.service import _run
    from nlp_service.services.tenants import tenant_by_name
    from nlp_service.store.connectors import mapping_by_ref

    def delete(s: Any) -> str:
        row = mapping_by_ref(s, mapping, tenant_by_name(s, tenant).id if tenant else None)
        s.delete(row)
        return str(row.id)

    typer.echo(f"deleted mapping {_run(delete)}")


def import_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX export."),
    mapping: str = typer.Option(..., "--mapping", "-m", help="Mapping id (or name with --tenant)."),
    tenant: str | None = typer.Option(None, "--tenant", help="Tenant name (for a mapping name)."),
    fmt: str = typer.Option("auto", "--format", help="auto, qualtrics, limesurvey or csv."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole report as JSON."),
) -> None:
    """Import a survey export with a mapping: progress bar, then a report; per-row errors are
    listed and the command exits with 2 when any row failed. Re-importing stores nothing twice."""
    from tqdm import tqdm

    from nlp_service.config import get_settings
    from nlp_service.errors import ServiceError
    from nlp_service.services.imports import import_file

    bar = tqdm(total=0, unit="answer", disable=None, file=sys.stderr)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        report = import_file(
            get_settings(), file.read_bytes(), mapping, tenant=tenant, fmt=fmt, progress=progress
        )
    except ServiceError as exc:
        raise _fail(f"{exc.message} (field {exc.field})" if exc.field else exc.message) from None
    finally:
        bar.close()
    if as_json:
        typer.echo(_show(report.to_dict()))
    else:
        typer.echo(
            f"{file.name}: {report.format}, {report.rows} rows, {report.answers} answers: "
            f"{report.created} created, {report.existing} already stored, {report.updated} "
            f"updated, {report.failed} failed ({report.seconds} s)"
        )
        if report.unmapped_columns:
            typer.echo(
                f"question columns the mapping ignores: {', '.join(report.unmapped_columns)}"
            )
        for err in report.errors:
            where = f"row {err['row']}" + (f" {err['question_id']}" if err["question_id"] else "")
            typer.echo(f"  {where}: {err['field']}: {err['message']}")
    if report.failed:
        raise typer.Exit(code=2)


def export_command(
    tenant: str = typer.Option(..., "--tenant", help="Tenant name."),
    fmt: str = typer.Option("csv", "--format", help="csv, xlsx or jsonl."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File (default: stdout)."),
    touchpoint: str | None = typer.Option(None, help="Only this touchpoint."),
    theme: str | None = typer.Option(None, help="Only answers with this theme (id or label)."),
    sentiment: str | None = typer.Option(None, help="negative, neutral or positive."),
    kpi_group: str | None = typer.Option(None, help="e.g. detractor, promoter."),
    language: str | None = typer.Option(None, help="e.g. de."),
    since: datetime | None = typer.Option(None, "--from", help="submitted_at >= this."),
    until: datetime | None = typer.Option(None, "--to", help="submitted_at < this."),
) -> None:
    """Export answers, one row per answer (the columns of GET /v1/exports/answers)."""
    from nlp_service.config import get_settings
    from nlp_service.connectors.exports import EXPORT_FORMATS, csv_lines, jsonl_lines, write_xlsx
    from nlp_service.services.exports import AnswerExport
    from nlp_service.services.tenants import tenant_by_name
    from nlp_service.store import EntryFilter, make_sessionmaker, migrated_engine

    if fmt not in EXPORT_FORMATS:
        raise _fail(f"--format must be one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "xlsx" and output is None:
        raise _fail("xlsx needs --output FILE")
    engine = migrated_engine(get_settings().resolved_database_url)
    try:
        sessions = make_sessionmaker(engine)
        from nlp_service.errors import ServiceError

        try:
            with sessions() as session:
                tenant_id = tenant_by_name(session, tenant).id
        except ServiceError as exc:
            raise _fail(exc.message) from None
        filters = EntryFilter(
            touchpoint=touchpoint,
            theme=theme,
            sentiment=sentiment,
            kpi_group=kpi_group,
            language=language,
            since=since,
            until=until,
        )
        export = AnswerExport(sessions, tenant_id, filters)
        count = 0
        if fmt == "xlsx":
            assert output is not None
            with output.open("wb") as fh:
                count = write_xlsx(export.pages(), fh)
        else:
            out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
            try:
                header = True
                for page in export.pages():
                    out.write(csv_lines(page, header) if fmt == "csv" else jsonl_lines(page))
                    header, count = False, count + len(page)
                if header and fmt == "csv":
                    out.write(csv_lines([], True))
            finally:
                if output:
                    out.close()
        typer.echo(f"exported {count} answers", err=True)
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    app.add_typer(mappings_app, name="mappings")
    app.command("import")(import_command)
    app.command("export")(export_command)
