"""/v1/insights: touchpoints, themes (list and one), trends, emerging themes. Role research
(admin has every role). Every view takes the same filters; `?format=csv` returns its main table.

The heavy lifting is `nlp_service.services.insights`; these handlers parse, call it on a worker
thread and shape the output.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel

from nlp_service.api.auth import RESEARCH, require
from nlp_service.api.routes.answers import AUTH_ERRORS, INPUT_ERRORS, NOT_FOUND, State
from nlp_service.api.state import ServiceState
from nlp_service.schemas import FilterText, QueryTime
from nlp_service.schemas_insights import (
    EmergingOut,
    ThemeDetailOut,
    ThemesOut,
    TouchpointsOut,
    TrendsOut,
)
from nlp_service.services import insights as service
from nlp_service.services.insights import csv_text
from nlp_service.store import Principal

router = APIRouter(prefix="/v1/insights", tags=["insights"])
Researcher = Annotated[Principal, Depends(require(*RESEARCH))]
Format = Annotated[Literal["json", "csv"], Query(description="csv: the view's main table as CSV.")]
Interval = Annotated[Literal["day", "week", "month"], Query()]
Lang = Annotated[
    Literal["de", "en"] | None,
    Query(
        description="Language of the theme labels (codebook themes have German and English "
        "ones); default: the `language` filter, else each theme's default label."
    ),
]
RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_ERRORS,
    422: INPUT_ERRORS[422],
    200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with ?format=csv"},
}


def insights_query(
    touchpoint: FilterText | None = None,
    survey_id: FilterText | None = None,
    question_id: FilterText | None = None,
    language: Annotated[str | None, Query(pattern="^[a-z]{2,3}$")] = None,
    since: Annotated[QueryTime | None, Query(alias="from", description="Inclusive.")] = None,
    until: Annotated[QueryTime | None, Query(alias="to", description="Exclusive.")] = None,
    kpi_type: Annotated[
        Literal["nps", "csat", "ces"] | None,
        Query(description="Only answers scored on this KPI (default: the most common KPI)."),
    ] = None,
) -> service.InsightsQuery:
    return service.InsightsQuery(
        touchpoint=touchpoint,
        survey_id=survey_id,
        question_id=question_id,
        language=language,
        since=since,
        until=until,
        kpi_type=kpi_type,
    )


Filters = Annotated[service.InsightsQuery, Depends(insights_query)]


async def _catalog(state: ServiceState, tenant_id: str) -> service.ThemeCatalog:
    return service.ThemeCatalog.from_topic_model(await state.topic_model(tenant_id))


def csv_response(rows: Iterable[BaseModel | dict[str, Any]], name: str) -> Response:
    return Response(
        csv_text(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


# --- views --------------------------------------------------------------------------------
@router.get(
    "/touchpoints",
    summary="KPI, sentiment, top themes and priority per touchpoint",
    description="Per touchpoint: answers, KPI summary (NPS with shares and 95% interval, CSAT "
    "mean and top-2-box, CES mean), net sentiment, top positive and negative themes and a "
    "priority (the rule is in `priority_rule`). CSV: one row per touchpoint.",
    response_model=TouchpointsOut,
    responses=RESPONSES,
)
async def get_touchpoints(
    state: State,
    principal: Researcher,
    filters: Filters,
    format: Format = "json",
    lang: Lang = None,
) -> TouchpointsOut | Response:
    catalog = await _catalog(state, principal.tenant_id)
    out = await state.read(
        lambda s: service.touchpoints(s, principal.tenant_id, catalog, filters, lang=lang)
    )
    return csv_response(out.touchpoints, "touchpoints") if format == "csv" else out


@router.get(
    "/themes",
    summary="Themes with volume, sentiment, KPI, impact and key-driver coefficients",
    description="An answer counts once for a theme when any of its sentences carries it. "
    "`sort`: impact (largest |removal impact| first), volume, sentiment (most negative first). "
    "`min_driver`: answers below which a driver is marked `too_few`. CSV: one row per theme.",
    response_model=ThemesOut,
    responses=RESPONSES,
)
async def get_themes(
    state: State,
    principal: Researcher,
    filters: Filters,
    sort: Literal["impact", "volume", "sentiment"] = "impact",
    quotes: Annotated[int, Query(ge=0, le=5, description="Quotes per theme.")] = 3,
    min_driver: Annotated[int, Query(ge=1, le=10_000)] = service.DEFAULT_MIN_DRIVER,
    format: Format = "json",
    lang: Lang = None,
) -> ThemesOut | Response:
    catalog = await _catalog(state, principal.tenant_id)
    out = await state.read(
        lambda s: service.themes(
            s, principal.tenant_id, catalog, filters, sort, quotes, min_driver, lang=lang
        )
    )
    return csv_response(out.themes, "themes") if format == "csv" else out


@router.get(
    "/themes/{theme_id}",
    summary="One theme: statistics, children, trend, KPI distribution, quotes",
    description="`theme_id` is a theme id, or `p<id>` for a parent theme (its children's "
    "answers together, with the children listed). Quotes are paginated with `quote_cursor`. "
    "CSV: `table` = theme (the theme and its children), trend, quotes or kpi_distribution.",
    response_model=ThemeDetailOut,
    responses={**RESPONSES, **NOT_FOUND},
)
async def get_theme(
    theme_id: str,
    state: State,
    principal: Researcher,
    filters: Filters,
    interval: Interval = "week",
    quote_cursor: Annotated[str | None, Query(max_length=200)] = None,
    quote_limit: Annotated[int, Query(ge=1, le=200)] = 20,
    min_driver: Annotated[int, Query(ge=1, le=10_000)] = service.DEFAULT_MIN_DRIVER,
    format: Format = "json",
    table: Literal["theme", "trend", "quotes", "kpi_distribution"] = "theme",
    lang: Lang = None,
) -> ThemeDetailOut | Response:
    catalog = await _catalog(state, principal.tenant_id)
    out = await state.read(
        lambda s: service.theme_detail(
            s,
            principal.tenant_id,
            catalog,
            filters,
            theme_id,
            interval,
            quote_cursor,
            quote_limit,
            min_driver,
            lang=lang,
        )
    )
    if format == "json":
        return out
    tables: dict[str, list[Any]] = {
        "theme": [out.theme, *out.children],
        "trend": list(out.trend.points),
        "quotes": list(out.quotes.items),
        "kpi_distribution": list(out.kpi_distribution),
    }
    return csv_response(tables[table], f"theme-{theme_id}-{table}")


@router.get(
    "/trends",
    summary="Volume, share, net sentiment and KPI per day, week or month",
    description="With `theme` (id, label or p<parent id>): the answers carrying it per period "
    "and their share of all answers; without: all answers. CSV: one row per period.",
    response_model=TrendsOut,
    responses=RESPONSES,
)
async def get_trends(
    state: State,
    principal: Researcher,
    filters: Filters,
    theme: FilterText | None = None,
    interval: Interval = "week",
    format: Format = "json",
    lang: Lang = None,
) -> TrendsOut | Response:
    catalog = await _catalog(state, principal.tenant_id)
    out = await state.read(
        lambda s: service.trends(
            s, principal.tenant_id, catalog, filters, theme, interval, lang=lang
        )
    )
    return csv_response(out.points, "trends") if format == "csv" else out


@router.get(
    "/emerging",
    summary="Themes whose share rose significantly, and themes new since the last refit",
    description="The window ends at `to` (default now); the baseline is the `baseline` before "
    "the window. One-sided two-proportion z-test per theme, Benjamini-Hochberg over all themes; "
    "significant when q < alpha and the window has at least `min_count` answers with the theme. "
    "CSV: one row per theme.",
    response_model=EmergingOut,
    responses=RESPONSES,
)
async def get_emerging(
    state: State,
    principal: Researcher,
    filters: Filters,
    window: Annotated[str, Query(description="e.g. 7d or 2w")] = "7d",
    baseline: Annotated[str, Query(description="e.g. 90d or 12w")] = "90d",
    alpha: Annotated[float, Query(gt=0, lt=1)] = 0.05,
    min_count: Annotated[int, Query(ge=0, le=100_000)] = 5,
    format: Format = "json",
    lang: Lang = None,
) -> EmergingOut | Response:
    catalog = await _catalog(state, principal.tenant_id)
    out = await state.read(
        lambda s: service.emerging(
            s, principal.tenant_id, catalog, filters, window, baseline, alpha, min_count, lang=lang
        )
    )
    return csv_response(out.themes, "emerging") if format == "csv" else out
