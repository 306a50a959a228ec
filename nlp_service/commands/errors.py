"""How the CLI reports a service error: one rule for every command group that prints JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from nlp_service.errors import ServiceError


@contextmanager
def service_errors() -> Iterator[None]:
    """Service errors become a JSON error object on stderr and exit code 2."""
    try:
        yield
    except ServiceError as exc:
        typer.echo(json.dumps({"error": exc.to_dict()}, ensure_ascii=False), err=True)
        raise typer.Exit(code=2) from None
