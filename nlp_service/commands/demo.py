"""`nlp-service demo load`: post the project-written demo survey corpus through the API.

    nlp-service demo load --url http://127.0.0.1:8000 --key nlps_... [--file F] [--batch 100]

Reads `training/data/survey_topics_answers.jsonl` (291 answers written by the project, with KPI,
touchpoint and date; see training/data/README.md) and sends them to `POST /v1/answers/batch`.
Idempotent: each answer's `id` is its external id, so a second run reports them as existing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from nlp_service.paths import REPO_DIR

DEMO_FILE = REPO_DIR / "training" / "data" / "survey_topics_answers.jsonl"
app = typer.Typer(help="Demo data for the walkthrough.", no_args_is_help=True)


def to_answer(row: dict[str, Any], survey_id: str) -> dict[str, Any]:
    """One corpus line -> the API's AnswerIn."""
    answer: dict[str, Any] = {
        "external_id": f"demo/{row['id']}",
        "survey_id": survey_id,
        "question_id": "why",
        "text": row["text"],
    }
    for key in ("language", "touchpoint", "submitted_at", "kpi"):
        if row.get(key) is not None:
            answer[key] = row[key]
    return answer


@app.command("load")
def load(
    url: str = typer.Option("http://127.0.0.1:8000", help="Base URL of the running service."),
    key: str = typer.Option(..., envvar="NLP_SERVICE_KEY", help="API key with the ingest role."),
    file: Path = typer.Option(DEMO_FILE, exists=True, dir_okay=False, help="JSON lines corpus."),
    survey_id: str = typer.Option("demo-survey", help="survey_id given to every answer."),
    batch: int = typer.Option(100, min=1, max=1000, help="Answers per request."),
) -> None:
    """Post the demo corpus to /v1/answers/batch and print created / existing / failed."""
    import httpx

    rows = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line]
    answers = [to_answer(r, survey_id) for r in rows]
    totals = {"created": 0, "existing": 0, "failed": 0}
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=300) as client:
        for i in range(0, len(answers), batch):
            r = client.post("/v1/answers/batch", json={"items": answers[i : i + batch]})
            if r.status_code != 200:
                typer.echo(f"error: {r.status_code} {r.text}", err=True)
                raise typer.Exit(code=2)
            body = r.json()
            for name in totals:
                totals[name] += body[name]
            for item in body["items"]:
                if item["status"] == "error":
                    typer.echo(json.dumps(item["error"], ensure_ascii=False), err=True)
    typer.echo(json.dumps({"answers": len(answers), **totals}))
    if totals["failed"]:
        raise typer.Exit(code=2)
