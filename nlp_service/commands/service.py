"""`nlp-service serve | db upgrade | tenants create|list | keys create|list|revoke|rotate`: the
HTTP service and its administration."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
tenants_app = typer.Typer(help="Tenants and their API keys.", no_args_is_help=True)
keys_app = typer.Typer(
    help="API keys of a tenant: create, list, revoke, rotate (by name).", no_args_is_help=True
)
T = TypeVar("T")


@contextmanager
def _session() -> Iterator[Session]:
    """One transaction on the configured database (migrated first); errors exit with 2."""
    from nlp_service.config import get_settings
    from nlp_service.errors import ServiceError
    from nlp_service.store import make_sessionmaker, migrated_engine, transaction

    engine = migrated_engine(get_settings().resolved_database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            yield session
    except ServiceError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(code=2) from None
    finally:
        engine.dispose()


def _run(fn: Callable[[Session], T]) -> T:
    with _session() as session:
        return fn(session)


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
    from nlp_service.services import tenants

    tenant_id, key = _run(
        lambda s: (lambda t: (t[0].id, t[1]))(
            tenants.create_tenant(s, name, roles, keep_raw=keep_raw)
        )
    )
    typer.echo(f"tenant {name!r} created: id {tenant_id}, roles {roles}, keep_raw {keep_raw}")
    typer.echo(f"API key {name}-initial (shown once; store it now):")
    typer.echo(key)


@tenants_app.command("list")
def tenants_list() -> None:
    """Tenants with their active keys and stored answers."""
    from nlp_service.services import tenants

    for t in _run(tenants.list_tenants):
        typer.echo(
            f"{t.name}\t{t.id}\tkeys={t.active_keys}\tanswers={t.answers}\t"
            f"keep_raw={t.keep_raw}\tcreated={t.created_at:%Y-%m-%d}"
        )


@keys_app.command("create")
def keys_create(
    tenant: str = typer.Argument(..., help="Tenant name."),
    name: str = typer.Option(..., "--name", help="Who holds the key (unique among active keys)."),
    roles: str = typer.Option("ingest", help="Comma-separated: ingest, research, moderate, admin."),
) -> None:
    """Create a named key; the key is printed once, alone on the last line."""
    from nlp_service.services import tenants

    key = _run(lambda s: tenants.create_key(s, tenant, name, roles))
    typer.echo(f"API key {name!r} for {tenant!r}, roles {roles} (shown once; store it now):")
    typer.echo(key)


@keys_app.command("list")
def keys_list(tenant: str = typer.Argument(..., help="Tenant name.")) -> None:
    """Keys of a tenant: name, prefix, roles, created, revoked."""
    from nlp_service.services import tenants

    for k in _run(lambda s: tenants.list_keys(s, tenant)):
        revoked = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
        typer.echo(f"{k.name or '-'}\t{k.prefix}\t{k.roles}\t{k.created_at:%Y-%m-%d}\t{revoked}")


@keys_app.command("revoke")
def keys_revoke(
    tenant: str = typer.Argument(..., help="Tenant name."),
    key: str = typer.Argument(..., help="Key name or prefix."),
) -> None:
    """Revoke a key (401 everywhere within 30 seconds)."""
    from nlp_service.services import tenants

    info = _run(lambda s: tenants.revoke_key(s, tenant, key))
    typer.echo(f"revoked key {info.name or info.prefix} ({info.prefix}) of {tenant!r}")


@keys_app.command("rotate")
def keys_rotate(
    tenant: str = typer.Argument(..., help="Tenant name."),
    key: str = typer.Argument(..., help="Key name or prefix."),
) -> None:
    """Revoke a key and print its successor (same name and roles), alone on the last line."""
    from nlp_service.services import tenants

    new_key = _run(lambda s: tenants.rotate_key(s, tenant, key))
    typer.echo(f"rotated key {key!r} of {tenant!r}; the new key (shown once):")
    typer.echo(new_key)


def register(app: typer.Typer) -> None:
    """Attach the service commands to the root CLI."""
    app.command("serve")(serve)
    app.command("worker")(worker)
    app.add_typer(db_app, name="db")
    app.add_typer(tenants_app, name="tenants")
    app.add_typer(keys_app, name="keys")


def worker(
    poll: float = typer.Option(1.0, help="Seconds between looks at the queue when it is empty."),
    kind: list[str] | None = typer.Option(
        None, "--kind", help="A job kind this worker takes (repeatable); default: every kind."
    ),
) -> None:
    """Run background jobs (topic refits, file imports) from the database queue until stopped
    (SIGTERM/^C).

    For deployments with several API processes on one PostgreSQL: set NLP_SERVICE_JOBS=worker
    on the API processes and run one or more workers. A worker killed mid-job leaves a lease
    that expires (NLP_SERVICE_JOB_LEASE_SECONDS); the job is then run again by any worker. A
    worker stopped with SIGTERM puts a running import back in the queue at once. The analysis
    models are loaded by the first import job a worker takes (refits only need stored vectors);
    `--kind topic_refit` keeps a worker from ever loading them."""
    import signal

    from nlp_service.analysis.embedding import get_embedder
    from nlp_service.config import get_settings
    from nlp_service.services import imports as import_jobs
    from nlp_service.services import refits as refit_jobs
    from nlp_service.services.jobs import Handler, JobWorker
    from nlp_service.services.topics import TopicProvider
    from nlp_service.store import make_sessionmaker, migrated_engine

    unknown = sorted(set(kind or []) - {refit_jobs.KIND, import_jobs.KIND})
    if unknown:
        raise typer.BadParameter(f"unknown job kind(s) {unknown}", param_hint="--kind")
    settings = get_settings()
    url = settings.resolved_database_url
    engine = migrated_engine(url)
    sessions = make_sessionmaker(engine)
    # Refits read stored vectors: the embedder is loaded only for its id (vectors must match).
    embedder_id = get_embedder(settings.embedder, settings.threads, settings.encode_batch_size).id
    topics = TopicProvider(settings, sessions, embedder_id)
    refits = refit_jobs.Refits(settings, sessions, topics, embedder_id)
    imports = import_jobs.Imports(
        sessions,
        lambda: import_jobs.background_engine(settings, sessions, topics),
        settings.import_chunk_size,
    )
    handlers: dict[str, Handler] = {refit_jobs.KIND: refits.run, import_jobs.KIND: imports.run}
    jobs = JobWorker(
        sessions,
        {k: handlers[k] for k in (kind or handlers)},
        lease_seconds=settings.job_lease_seconds,
        poll_seconds=poll,
        max_attempts=settings.job_max_attempts,
    )
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: jobs.stop(0))
    typer.echo(f"worker {jobs.name} on {url.split('@')[-1]}: kinds {sorted(jobs.handlers)}")
    try:
        jobs.run()
    finally:
        engine.dispose()
