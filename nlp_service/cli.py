"""`nlp-service`: the one command-line entry point."""

from __future__ import annotations

from pathlib import Path

import typer

from nlp_service.commands.connectors import register as register_connectors
from nlp_service.commands.demo import app as demo_app
from nlp_service.commands.insights import app as insights_app
from nlp_service.commands.service import register as register_service
from nlp_service.commands.topics import app as topics_app

app = typer.Typer(help="Open-feedback text analytics.", no_args_is_help=True)
train_app = typer.Typer(help="Train models from data shipped in packages.", no_args_is_help=True)
evaluate_app = typer.Typer(help="Evaluate trained models.", no_args_is_help=True)
app.add_typer(train_app, name="train")
app.add_typer(evaluate_app, name="evaluate")
app.add_typer(topics_app, name="topics")
app.add_typer(insights_app, name="insights")
app.add_typer(demo_app, name="demo")
register_service(app)
register_connectors(app)


@app.command()
def analyze(
    file: Path | None = typer.Argument(
        None, exists=True, dir_okay=False, help="Plain text or JSON lines; stdin when omitted."
    ),
) -> None:
    """Analyse answers, one per line; writes one JSON object per input line."""
    from nlp_service.commands.analyze import analyze_command

    errors = analyze_command(file)
    if errors:
        typer.echo(f"{errors} line(s) could not be analysed (see their error objects)", err=True)
        raise typer.Exit(code=2)


@train_app.command("sentiment")
def train_sentiment(
    version: str | None = typer.Option(None, help="Artifact version (default: today's date)."),
    models_dir: Path | None = typer.Option(None, help="Where models/ lives."),
    embedder: str | None = typer.Option(
        None, help="Embedder spec (default: NLP_SERVICE_SENTIMENT_EMBEDDER, i.e. e5)."
    ),
) -> None:
    """Train the sentiment head (fixed seed) and write models/sentiment/<version>/."""
    from training.sentiment import train

    train(version, models_dir, embedder)


@evaluate_app.command("sentiment")
def evaluate_sentiment(
    version: str = typer.Option("latest", help="Head version under models/sentiment."),
    embedder: str | None = typer.Option(None, help="Embedder spec the head was trained on."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Accuracy and macro-F1 per held-out dataset and language."""
    import json

    from training.sentiment import evaluate, print_table

    results = evaluate(version, embedder_spec=embedder)
    if as_json:
        typer.echo(json.dumps(results, indent=2))
    else:
        print_table(results)


@evaluate_app.command("flags")
def evaluate_flags(
    dataset: str = typer.Option(
        "eval", "--set", help="eval, blind, blind2 (held out), dev, fresh (developed on)."
    ),
    errors: bool = typer.Option(False, "--errors", help="List the misflagged answers."),
    heads: str | None = typer.Option(
        None, help="Also the context heads under models/flags (a version or 'latest')."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Moderation flags: precision/recall per type and false alarms on ordinary answers."""
    import json

    from training.flags import SETS, evaluate, print_table

    if dataset not in SETS:
        raise typer.BadParameter(f"choose one of {sorted(SETS)}", param_hint="--set")
    results = evaluate(dataset, heads=heads)
    if as_json:
        typer.echo(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        print_table(results, show_errors=errors)


if __name__ == "__main__":
    app()
