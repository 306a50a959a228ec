"""`nlp-service insights ...`: the researcher views of the API, on the configured database.

  insights touchpoints --tenant NAME [filters]        KPI, sentiment, priority per touchpoint
  insights themes --tenant NAME [--sort impact|volume|sentiment] [filters]
  insights theme ID --tenant NAME [--interval week]           one theme (ID or p<parent id>)
  insights trends --tenant NAME [--theme ID] [--interval week]
  insights emerging --tenant NAME [--window 7d] [--baseline 90d] [--alpha 0.05] [--min-count 5]
  insights drivers --tenant NAME [--top 3]                    top detractor drivers per touchpoint

Filters: --touchpoint, --survey-id, --question-id, --language, --from, --to, --kpi-type.
Labels: --lang de|en shows theme labels in that language (default: --language, else each
theme's default label).
Output: a table (default), --format json (the API's JSON) or --format csv (the API's CSV).
Each command calls the same service function as the API, on a database session.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from nlp_service.errors import ServiceError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from nlp_service.insights.trends import Granularity
    from nlp_service.services.insights import InsightsQuery, Sort, ThemeCatalog

T = TypeVar("T")
# The options arrive as plain strings; these maps check them and give the services' literal types.
_SORTS: dict[str, Sort] = {"impact": "impact", "volume": "volume", "sentiment": "sentiment"}
_INTERVALS: dict[str, Granularity] = {"day": "day", "week": "week", "month": "month"}

app = typer.Typer(
    help="Researcher insights (the API's /v1/insights views): touchpoints, themes, trends, "
    "emerging themes, detractor drivers. Tenant by name; filters as in the API.",
    no_args_is_help=True,
)

TENANT = typer.Option(..., "--tenant", "-t", help="Tenant name.")
TOUCHPOINT = typer.Option(None, "--touchpoint", help="Only this touchpoint.")
SURVEY = typer.Option(None, "--survey-id")
QUESTION = typer.Option(None, "--question-id")
LANGUAGE = typer.Option(None, "--language", help="ISO 639-1 code, e.g. de.")
SINCE = typer.Option(None, "--from", help="Inclusive, ISO date or time.")
UNTIL = typer.Option(None, "--to", help="Exclusive, ISO date or time.")
KPI = typer.Option(None, "--kpi-type", help="nps, csat or ces (default: the most common).")
FORMAT = typer.Option("table", "--format", "-f", help="table, json or csv.")
LANG = typer.Option(
    None, "--lang", help="Theme labels in de or en (default: --language, else the default label)."
)


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except ServiceError as exc:
        typer.echo(json.dumps({"error": exc.to_dict()}, ensure_ascii=False), err=True)
        raise typer.Exit(code=2) from None


def _when(value: str | None, field: str) -> datetime | None:
    from nlp_service.errors import InvalidInput

    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"{field} must be an ISO date or time, got {value!r}", field=field
        ) from None


def _query(
    touchpoint: str | None,
    survey_id: str | None,
    question_id: str | None,
    language: str | None,
    since: str | None,
    until: str | None,
    kpi_type: str | None,
) -> InsightsQuery:
    from nlp_service.services.insights import InsightsQuery

    return InsightsQuery(
        touchpoint=touchpoint,
        survey_id=survey_id,
        question_id=question_id,
        language=language,
        since=_when(since, "from"),
        until=_when(until, "to"),
        kpi_type=kpi_type.lower() if kpi_type else None,
    )


def load_catalog(sessions: sessionmaker[Session], tenant_id: str) -> ThemeCatalog:
    """The tenant's themes by the service's one rule (`services.topics.TopicProvider`): its
    active version, else the starter codebook."""
    from nlp_service.analysis.embedding import get_embedder
    from nlp_service.config import get_settings
    from nlp_service.services.insights import ThemeCatalog
    from nlp_service.services.topics import TopicProvider

    settings = get_settings()
    embedder_id = get_embedder(settings.embedder, settings.threads, settings.encode_batch_size).id
    return ThemeCatalog.from_topic_model(
        TopicProvider(settings, sessions, embedder_id).get(tenant_id)
    )


def _run(tenant: str, fn: Callable[[Session, str, ThemeCatalog], T]) -> T:
    """Open the database, find the tenant by name, run `fn(session, tenant_id, catalog)`."""
    from nlp_service.config import get_settings
    from nlp_service.errors import NotFound
    from nlp_service.store import make_engine, make_sessionmaker
    from nlp_service.store.tenants import get_tenant_by_name

    engine = make_engine(get_settings().resolved_database_url, one_shot=True)
    try:
        sessions = make_sessionmaker(engine)
        with sessions() as session:
            row = get_tenant_by_name(session, tenant)
            if row is None:
                raise NotFound(f"tenant {tenant!r} not found", field="tenant")
            return fn(session, row.id, load_catalog(sessions, row.id))
    finally:
        engine.dispose()


def _emit(out: Any, rows: list[Any], fmt: str, title: str, columns: dict[str, Callable]) -> None:
    if fmt == "json":
        typer.echo(out.model_dump_json(by_alias=True, indent=1))
    elif fmt == "csv":
        from nlp_service.services.insights_csv import csv_text

        typer.echo(csv_text(rows), nl=False)
    elif fmt == "table":
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for name in columns:
            table.add_column(name)
        for row in rows:
            table.add_row(*[_cell(get(row)) for get in columns.values()])
        Console().print(table)
    else:
        raise typer.BadParameter("format must be table, json or csv", param_hint="--format")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"
    return str(value)


def _iv(iv: Any) -> str:
    return f"[{iv.low:.1f}, {iv.high:.1f}]" if iv is not None else "-"


def _kpi(stat: Any) -> Any:
    return stat.nps if stat.kpi_type == "nps" else stat.kpi_mean


@app.command()
def touchpoints(
    tenant: str = TENANT,
    touchpoint: str | None = TOUCHPOINT,
    survey_id: str | None = SURVEY,
    question_id: str | None = QUESTION,
    language: str | None = LANGUAGE,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    kpi_type: str | None = KPI,
    fmt: str = FORMAT,
    lang: str | None = LANG,
) -> None:
    """Answers, KPI, net sentiment, top themes and priority per touchpoint."""
    from nlp_service.services import insights as service

    with _errors():
        q = _query(touchpoint, survey_id, question_id, language, since, until, kpi_type)
        out = _run(tenant, lambda s, t, c: service.touchpoints(s, t, c, q, lang=lang))
    _emit(
        out,
        out.touchpoints,
        fmt,
        "touchpoints",
        {
            "rank": lambda r: r.priority.rank,
            "touchpoint": lambda r: r.touchpoint,
            "answers": lambda r: r.answers,
            "NPS": lambda r: r.kpi.nps.score if r.kpi.nps else None,
            "NPS 95%": lambda r: _iv(r.kpi.nps.interval) if r.kpi.nps else None,
            "CSAT": lambda r: r.kpi.csat.mean if r.kpi.csat else None,
            "CES": lambda r: r.kpi.ces.mean if r.kpi.ces else None,
            "net sentiment": lambda r: r.sentiment.net,
            "priority": lambda r: r.priority.score,
            "top negative": lambda r: ", ".join(t.label for t in r.top_negative_themes),
        },
    )


THEME_COLUMNS: dict[str, Callable] = {
    "id": lambda t: t.id,
    "label": lambda t: t.label,
    "answers": lambda t: t.count,
    "share": lambda t: t.share,
    "net sentiment": lambda t: t.sentiment.net,
    "KPI": _kpi,
    "KPI 95%": lambda t: _iv(t.interval),
    "removal impact": lambda t: t.removal_impact,
    "driver": lambda t: t.driver.coef if t.driver else None,
    "driver 95%": lambda t: _iv(t.driver.interval) if t.driver else None,
    "few": lambda t: "yes" if t.driver and t.driver.too_few else "",
}


@app.command()
def themes(
    tenant: str = TENANT,
    sort: str = typer.Option("impact", help="impact, volume or sentiment."),
    min_driver: int = typer.Option(10, help="Answers below which a driver is marked."),
    touchpoint: str | None = TOUCHPOINT,
    survey_id: str | None = SURVEY,
    question_id: str | None = QUESTION,
    language: str | None = LANGUAGE,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    kpi_type: str | None = KPI,
    fmt: str = FORMAT,
    lang: str | None = LANG,
) -> None:
    """Themes with volume, sentiment, KPI, removal impact and key-driver coefficient."""
    from nlp_service.errors import InvalidInput
    from nlp_service.services import insights as service

    with _errors():
        if sort not in _SORTS:
            raise InvalidInput("sort must be impact, volume or sentiment", field="sort")
        order = _SORTS[sort]
        q = _query(touchpoint, survey_id, question_id, language, since, until, kpi_type)
        out = _run(
            tenant,
            lambda s, t, c: service.themes(s, t, c, q, order, 3, min_driver, lang=lang),
        )
    _emit(out, out.themes, fmt, f"themes ({out.kpi_type or 'no KPI'})", THEME_COLUMNS)


@app.command()
def theme(
    theme_id: str = typer.Argument(..., help="Theme id, or p<id> for a parent theme."),
    tenant: str = TENANT,
    interval: str = typer.Option("week", help="day, week or month."),
    touchpoint: str | None = TOUCHPOINT,
    survey_id: str | None = SURVEY,
    question_id: str | None = QUESTION,
    language: str | None = LANGUAGE,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    kpi_type: str | None = KPI,
    fmt: str = FORMAT,
    lang: str | None = LANG,
) -> None:
    """One theme: its statistics and children (table), trend and quotes (json)."""
    from nlp_service.services import insights as service

    with _errors():
        period = _check_interval(interval)
        q = _query(touchpoint, survey_id, question_id, language, since, until, kpi_type)
        out = _run(
            tenant,
            lambda s, t, c: service.theme_detail(s, t, c, q, theme_id, period, lang=lang),
        )
    _emit(out, [out.theme, *out.children], fmt, f"theme {theme_id}", THEME_COLUMNS)
    if fmt == "table":
        for quote in out.theme.quotes:
            typer.echo(f"  \u201c{quote.text}\u201d ({quote.sentiment}, {quote.confidence})")


def _check_interval(interval: str) -> Granularity:
    from nlp_service.errors import InvalidInput

    if interval not in _INTERVALS:
        raise InvalidInput("interval must be day, week or month", field="interval")
    return _INTERVALS[interval]


@app.command()
def trends(
    tenant: str = TENANT,
    theme_ref: str | None = typer.Option(None, "--theme", help="Theme id, label or p<id>."),
    interval: str = typer.Option("week", help="day, week or month."),
    touchpoint: str | None = TOUCHPOINT,
    survey_id: str | None = SURVEY,
    question_id: str | None = QUESTION,
    language: str | None = LANGUAGE,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    kpi_type: str | None = KPI,
    fmt: str = FORMAT,
    lang: str | None = LANG,
) -> None:
    """Volume, share, net sentiment and KPI per period."""
    from nlp_service.services import insights as service

    with _errors():
        period = _check_interval(interval)
        q = _query(touchpoint, survey_id, question_id, language, since, until, kpi_type)
        out = _run(
            tenant,
            lambda s, t, c: service.trends(s, t, c, q, theme_ref, period, lang=lang),
        )
    _emit(
        out,
        out.points,
        fmt,
        "trends",
        {
            "period": lambda p: p.period,
            "answers": lambda p: p.answers,
            "count": lambda p: p.count,
            "share": lambda p: p.share,
            "net sentiment": lambda p: p.net_sentiment,
            "KPI": lambda p: p.kpi,
            "KPI n": lambda p: p.kpi_n,
        },
    )


@app.command()
def emerging(
    tenant: str = TENANT,
    window: str = typer.Option("7d", help="Recent window, e.g. 7d or 2w."),
    baseline: str = typer.Option("90d", help="Baseline before the window."),
    alpha: float = typer.Option(0.05, help="False discovery rate (Benjamini-Hochberg)."),
    min_count: int = typer.Option(5, help="Answers with the theme needed in the window."),
    touchpoint: str | None = TOUCHPOINT,
    survey_id: str | None = SURVEY,
    question_id: str | None = QUESTION,
    language: str | None = LANGUAGE,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    kpi_type: str | None = KPI,
    fmt: str = FORMAT,
    lang: str | None = LANG,
) -> None:
    """Themes whose share rose significantly, and themes new in the last refit."""
    from nlp_service.services import insights as service

    with _errors():
        q = _query(touchpoint, survey_id, question_id, language, since, until, kpi_type)
        out = _run(
            tenant,
            lambda s, t, c: service.emerging(
                s, t, c, q, window, baseline, alpha, min_count, lang=lang
            ),
        )
    _emit(
        out,
        out.themes,
        fmt,
        f"emerging ({out.window.start:%Y-%m-%d} - {out.window.end:%Y-%m-%d})",
        {
            "id": lambda t: t.id,
            "label": lambda t: t.label,
            "window": lambda t: t.window_count,
            "share": lambda t: t.window_share,
            "baseline share": lambda t: t.baseline_share,
            "q": lambda t: t.q_value,
            "significant": lambda t: "yes" if t.significant else "",
            "new": lambda t: "yes" if t.new else "",
        },
    )


@app.command()
def drivers(
    tenant: str = TENANT,
    top: int = typer.Option(3, help="Detractor drivers per touchpoint."),
    min_driver: int = typer.Option(10, help="Answers below which a driver is marked."),
    touchpoint: str | None = TOUCHPOINT,
    survey_id: str | None = SURVEY,
    question_id: str | None = QUESTION,
    language: str | None = LANGUAGE,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    kpi_type: str | None = KPI,
    fmt: str = FORMAT,
    lang: str | None = LANG,
) -> None:
    """The top detractor drivers per touchpoint: themes with the most negative removal impact,
    with the theme's KPI interval and its driver coefficient and interval."""
    from nlp_service.services import insights as service

    with _errors():
        q = _query(touchpoint, survey_id, question_id, language, since, until, kpi_type)
        found = _run(
            tenant,
            lambda s, t, c: service.detractor_drivers(s, t, c, q, top, min_driver, lang=lang),
        )
    if fmt == "json":
        typer.echo(
            json.dumps(
                [{"touchpoint": d.touchpoint, **d.theme.model_dump(mode="json")} for d in found],
                ensure_ascii=False,
                indent=1,
            )
        )
        return
    rows = [{"touchpoint": d.touchpoint, "theme": d.theme} for d in found]

    columns: dict[str, Callable] = {
        "touchpoint": lambda r: r["touchpoint"],
        "theme": lambda r: f"{r['theme'].id} {r['theme'].label[:40]}",
        "answers": lambda r: r["theme"].count,
        "KPI": lambda r: _kpi(r["theme"]),
        "removal impact": lambda r: r["theme"].removal_impact,
        "driver coef": lambda r: r["theme"].driver.coef if r["theme"].driver else None,
        "driver 95%": lambda r: _iv(r["theme"].driver.interval) if r["theme"].driver else None,
        "few": lambda r: "yes" if r["theme"].driver and r["theme"].driver.too_few else "",
    }
    if fmt == "csv":
        from nlp_service.services.insights_csv import csv_text

        flat = [{"touchpoint": d.touchpoint, **d.theme.model_dump(mode="json")} for d in found]
        typer.echo(csv_text(flat), nl=False)
        return
    _emit(None, rows, fmt, f"top {top} detractor drivers per touchpoint", columns)
