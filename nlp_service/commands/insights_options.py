"""The options every `nlp-service insights` command takes, defined once: the filters and output
options as one `View`, given to each command by `with_view`; plus the options several commands
share."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, get_type_hints

import typer

if TYPE_CHECKING:
    from nlp_service.services.insights import InsightsQuery

Tenant = Annotated[str, typer.Option("--tenant", "-t", help="Tenant name.")]
Touchpoint = Annotated[str | None, typer.Option("--touchpoint", help="Only this touchpoint.")]
SurveyId = Annotated[str | None, typer.Option("--survey-id")]
QuestionId = Annotated[str | None, typer.Option("--question-id")]
Language = Annotated[str | None, typer.Option("--language", help="ISO 639-1 code, e.g. de.")]
Since = Annotated[str | None, typer.Option("--from", help="Inclusive, ISO date or time.")]
Until = Annotated[str | None, typer.Option("--to", help="Exclusive, ISO date or time.")]
KpiType = Annotated[
    str | None, typer.Option("--kpi-type", help="nps, csat or ces (default: the most common).")
]
Format = Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")]
Lang = Annotated[
    str | None,
    typer.Option(
        "--lang", help="Theme labels in de or en (default: --language, else the default label)."
    ),
]
# Options of several (not all) commands.
Interval = Annotated[str, typer.Option(help="day, week or month.")]
MinDriver = Annotated[int, typer.Option(help="Answers below which a driver is marked.")]


@dataclass(frozen=True)
class View:
    """The filters and output options every command takes, defined once: `with_view` gives each
    command these options (in this order, where its `view` parameter stands) as one View."""

    touchpoint: Touchpoint = None
    survey_id: SurveyId = None
    question_id: QuestionId = None
    language: Language = None
    since: Since = None
    until: Until = None
    kpi_type: KpiType = None
    fmt: Format = "table"
    lang: Lang = None

    def query(self) -> InsightsQuery:
        from nlp_service.services.insights import InsightsQuery

        return InsightsQuery(
            touchpoint=self.touchpoint,
            survey_id=self.survey_id,
            question_id=self.question_id,
            language=self.language,
            since=_when(self.since, "from"),
            until=_when(self.until, "to"),
            kpi_type=self.kpi_type.lower() if self.kpi_type else None,
        )


def with_view(command: Callable[..., None]) -> Callable[..., None]:
    """Typer sees `command`'s parameters with `view` replaced by View's options; the command
    gets them back as one View."""
    names = [f.name for f in fields(View)]
    hints = get_type_hints(View, include_extras=True)
    options = [
        inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default,
                          annotation=hints[f.name])
        for f in fields(View)
    ]  # fmt: skip
    own = inspect.signature(command, eval_str=True)
    params = [q for p in own.parameters.values() for q in (options if p.name == "view" else [p])]

    @functools.wraps(command)
    def run(**kwargs: Any) -> None:
        view = View(**{name: kwargs.pop(name) for name in names})
        command(**kwargs, view=view)

    run.__signature__ = own.replace(parameters=params)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in params}
    return run


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
