"""Alembic environment: the URL comes from the caller's config (`store.db.upgrade`) or, when run
through the `alembic` command, from the service settings (NLP_SERVICE_DATABASE_URL / DATABASE_URL
/ SQLite in the data folder)."""

from __future__ import annotations

from alembic import context

from nlp_service.store.db import make_engine
from nlp_service.store.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from nlp_service.config import get_settings

    return get_settings().resolved_database_url


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = make_engine(_url(), one_shot=True)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
