"""`nlp-service serve | db | tenants`: the HTTP service and its administration."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the service commands to the root CLI."""
    del app
