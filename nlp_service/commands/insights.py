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
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from nlp_service.commands.errors import service_errors
from nlp_service.commands.insights_options import Interval, MinDriver, Tenant, View, with_view

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from nlp_service.insights.trends import Granularity
    from nlp_service.services.insights import Sort, ThemeCatalog

T = TypeVar("T")
# The options arrive as plain strings; these maps check them and give the services' literal types.
_SORTS: dict[str, Sort] = {"impact": "impact", "volume": "volume", "sentiment": "sentiment"}
_INTERVALS: dict[str, Granularity] = {"day": "day", "week": "week", "month": "month"}

app = typer.Typer(
    help="Researcher insights (the API's /v1/insights views): touchpoints, themes, trends, "
    "emerging themes, detractor drivers. Tenant by name; filters as in the API.",
    no_args_is_help=True,
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
    from nlp_service.services.tenants import tenant_by_name
    from nlp_service.store import make_sessionmaker, migrated_engine

    engine = migrated_engine(get_settings().resolved_database_url, one_shot=True)
    try:
        sessions = make_sessionmaker(engine)
        with sessions() as session:
            tenant_id = tenant_by_name(session, tenant).id
            return fn(session, tenant_id, load_catalog(sessions, tenant_id))
    finally:
        engine.dispose()


def _emit(out: Any, rows: list[Any], fmt: str, title: str, columns: dict[str, Callable]) -> None:
    if fmt == "json":
        typer.echo(out.model_dump_json(by_alias=True, indent=1))
    elif fmt == "csv":
        from nlp_service.services.insights import csv_text

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
@with_view
def touchpoints(tenant: Tenant, *, view: View) -> None:
    """Answers, KPI, net sentiment, top themes and priority per touchpoint."""
    from nlp_service.services import insights as service

    with service_errors():
        q = view.query()
        out = _run(tenant, lambda s, t, c: service.touchpoints(s, t, c, q, lang=view.lang))
    _emit(
        out,
        out.touchpoints,
        view.fmt,
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
@with_view
def themes(
    tenant: Tenant,
    sort: str = typer.Option("impact", help="impact, volume or sentiment."),
    min_driver: MinDriver = 10,
    *,
    view: View,
) -> None:
    """Themes with volume, sentiment, KPI, removal impact and key-driver coefficient."""
    from nlp_service.errors import InvalidInput
    from nlp_service.services import insights as service

    with service_errors():
        if sort not in _SORTS:
            raise InvalidInput("sort must be impact, volume or sentiment", field="sort")
        order = _SORTS[sort]
        q = view.query()
        out = _run(
            tenant,
            lambda s, t, c: service.themes(s, t, c, q, order, 3, min_driver, lang=view.lang),
        )
    _emit(out, out.themes, view.fmt, f"themes ({out.kpi_type or 'no KPI'})", THEME_COLUMNS)


@app.command()
@with_view
def theme(
    theme_id: Annotated[str, typer.Argument(help="Theme id, or p<id> for a parent theme.")],
    tenant: Tenant,
    interval: Interval = "week",
    *,
    view: View,
) -> None:
    """One theme: its statistics and children (table), trend and quotes (json)."""
    from nlp_service.services import insights as service

    with service_errors():
        period = _check_interval(interval)
        q = view.query()
        out = _run(
            tenant,
            lambda s, t, c: service.theme_detail(s, t, c, q, theme_id, period, lang=view.lang),
        )
    _emit(out, [out.theme, *out.children], view.fmt, f"theme {theme_id}", THEME_COLUMNS)
    if view.fmt == "table":
        for quote in out.theme.quotes:
            typer.echo(f"  \u201c{quote.text}\u201d ({quote.sentiment}, {quote.confidence})")


def _check_interval(interval: str) -> Granularity:
    from nlp_service.errors import InvalidInput

    if interval not in _INTERVALS:
        raise InvalidInput("interval must be day, week or month", field="interval")
    return _INTERVALS[interval]


@app.command()
@with_view
def trends(
    tenant: Tenant,
    theme_ref: str | None = typer.Option(None, "--theme", help="Theme id, label or p<id>."),
    interval: Interval = "week",
    *,
    view: View,
) -> None:
    """Volume, share, net sentiment and KPI per period."""
    from nlp_service.services import insights as service

    with service_errors():
        period = _check_interval(interval)
        q = view.query()
        out = _run(
            tenant,
            lambda s, t, c: service.trends(s, t, c, q, theme_ref, period, lang=view.lang),
        )
    _emit(
        out,
        out.points,
        view.fmt,
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
@with_view
def emerging(
    tenant: Tenant,
    window: str = typer.Option("7d", help="Recent window, e.g. 7d or 2w."),
    baseline: str = typer.Option("90d", help="Baseline before the window."),
    alpha: float = typer.Option(0.05, help="False discovery rate (Benjamini-Hochberg)."),
    min_count: int = typer.Option(5, help="Answers with the theme needed in the window."),
    *,
    view: View,
) -> None:
    """Themes whose share rose significantly, and themes new in the last refit."""
    from nlp_service.services import insights as service

    with service_errors():
        q = view.query()
        out = _run(
            tenant,
            lambda s, t, c: service.emerging(
                s, t, c, q, window, baseline, alpha, min_count, lang=view.lang
            ),
        )
    _emit(
        out,
        out.themes,
        view.fmt,
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
@with_view
def drivers(
    tenant: Tenant,
    top: int = typer.Option(3, help="Detractor drivers per touchpoint."),
    min_driver: MinDriver = 10,
    *,
    view: View,
) -> None:
    """The top detractor drivers per touchpoint: themes with the most negative removal impact,
    with the theme's KPI interval and its driver coefficient and interval."""
    from nlp_service.services import insights as service

    with service_errors():
        q = view.query()
        found = _run(
            tenant,
            lambda s, t, c: service.detractor_drivers(s, t, c, q, top, min_driver, lang=view.lang),
        )
    if view.fmt == "json":
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
    if view.fmt == "csv":
        from nlp_service.services.insights import csv_text

        flat = [{"touchpoint": d.touchpoint, **d.theme.model_dump(mode="json")} for d in found]
        typer.echo(csv_text(flat), nl=False)
        return
    _emit(None, rows, view.fmt, f"top {top} detractor drivers per touchpoint", columns)
