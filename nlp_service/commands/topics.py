"""`nlp-service topics ...`: fit, show and assign emergent themes."""

from __future__ import annotations

import typer

app = typer.Typer(help="Emergent themes: fit, show, assign.", no_args_is_help=True)
