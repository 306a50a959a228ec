"""`nlp-service serve | db upgrade | tenants create`: the HTTP service and its administration."""

from __future__ import annotations

import typer

db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
tenants_app = typer.Typer(help="Tenants and their API keys.", no_args_is_help=True)


def serve(
    host: str | None = typer.Option(None, help="Bind address (default: NLP_SERVICE_HOST)."),
    port: int | None = typer.Option(None, help="Port (default: NLP_SERVICE_PORT, 8000)."),
) -> None:
    """Start the HTTP API (migrates the database first; SQLite in the data folder by default)."""
    import uvicorn

    from nlp_service.api import create_app
    from nlp_service.config import get_settings

    settings = get_settings()
    app = create_app(settings)  # configures JSON logging for uvicorn's records too
    uvicorn.run(
        app,
        log_config=None,
        host=host or settings.host,
        port=port or settings.port,
        access_log=False,  # the app logs every request as JSON
        log_level="info",
        timeout_graceful_shutdown=30,
    )


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply database migrations up to REVISION."""
    from nlp_service.config import get_settings
    from nlp_service.store import upgrade

    url = get_settings().resolved_database_url
    upgrade(url, revision)
    typer.echo(f"database at {url.split('@')[-1]} is at revision {revision}")


@tenants_app.command("create")
def tenants_create(
    name: str = typer.Argument(..., help="Tenant name (unique)."),
    roles: str = typer.Option(
        "ingest,research,moderate,admin", help="Comma-separated: ingest, research, moderate, admin."
    ),
    keep_raw: bool = typer.Option(
        False, "--keep-raw", help="Store raw texts (default: only redacted texts are stored)."
    ),
) -> None:
    """Create a tenant and print its API key, once, alone on the last line."""
    from nlp_service.config import get_settings
    from nlp_service.errors import ServiceError
    from nlp_service.store import create_tenant, make_engine, make_sessionmaker, transaction
    from nlp_service.store import upgrade as upgrade_db

    url = get_settings().resolved_database_url
    upgrade_db(url)
    engine = make_engine(url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            tenant, key = create_tenant(session, name, roles, keep_raw=keep_raw)
            tenant_id = tenant.id
    except ServiceError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(code=2) from None
    finally:
        engine.dispose()
    typer.echo(f"tenant {name!r} created: id {tenant_id}, roles {roles}, keep_raw {keep_raw}")
    typer.echo("API key (shown once; store it now):")
    typer.echo(key)


def register(app: typer.Typer) -> None:
    """Attach the service commands to the root CLI."""
    app.command("serve")(serve)
    app.add_typer(db_app, name="db")
    app.add_typer(tenants_app, name="tenants")
