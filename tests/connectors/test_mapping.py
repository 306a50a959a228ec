"""Platform payloads and export files -> answers, without a database or models."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nlp_service.connectors.files import FileError, parse_export
from nlp_service.connectors.mapping import (
    MappingConfig,
    map_response,
    normalise_language,
    parse_score,
    parse_time,
)
from nlp_service.connectors.payloads import PayloadError, formbricks, parse_webhook, typeform
from nlp_service.connectors.selectors import resolve

DATA = Path(__file__).parent / "data"


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


FORMBRICKS_MAPPING = MappingConfig(
    kpi={"field": "nps_score", "type": "nps"},
    text_fields=["nps_reason", "improve"],
    touchpoint={"field": "hidden.channel", "value": "web"},
    respondent={"field": "contact.userId"},
)


def test_formbricks_response_finished_yields_one_answer_per_open_question() -> None:
    response = formbricks(load("formbricks_response_finished.json"))
    mapped = map_response(FORMBRICKS_MAPPING, response, "formbricks")
    assert [a.question_id for a in mapped.answers] == ["nps_reason", "improve"]
    first = mapped.answers[0].payload
    assert first["external_id"] == "formbricks:cm3x7q9fz000b12mnop3qrs4t:nps_reason"
    assert first["kpi"] == {"type": "nps", "score": 4.0}
    assert first["touchpoint"] == "app" and first["respondent_id"] == "kunde-48213"
    assert first["language"] == "de" and first["survey_id"] == "cm3x1a2b3000012ab34cd56ef"
    assert first["submitted_at"] == "2026-11-20T08:41:17.512000+00:00"
    assert first["metadata"] == {"source": "formbricks", "response_id": "cm3x7q9fz000b12mnop3qrs4t"}
    # Both answers carry the same response's KPI; the unused question is reported.
    assert mapped.answers[1].payload["kpi"] == first["kpi"]
    assert mapped.unmapped == ["plan_choice"] and mapped.missing == [] and not mapped.errors


def test_formbricks_partial_response_reports_missing_fields() -> None:
    payload = load("formbricks_response_finished.json")
    payload["event"] = "responseCreated"
    payload["data"]["data"] = {"nps_reason": "Zu teuer."}
    mapped = map_response(FORMBRICKS_MAPPING, formbricks(payload), "formbricks")
    assert len(mapped.answers) == 1 and mapped.answers[0].payload["kpi"] is None
    # The touchpoint falls back to the mapping's value (so it is not missing); the KPI and the
    # unanswered question are named.
    assert mapped.answers[0].payload["touchpoint"] == "web"
    assert sorted(mapped.missing) == ["improve", "nps_score"]


def test_formbricks_payload_errors_name_the_field() -> None:
    payload = load("formbricks_response_finished.json")
    with pytest.raises(PayloadError) as info:
        formbricks({**payload, "event": "surveyDeleted"})
    assert info.value.field == "event"
    with pytest.raises(PayloadError) as info:
        formbricks({**payload, "data": {**payload["data"], "id": None}})
    assert info.value.field == "data.id"
    with pytest.raises(PayloadError) as info:
        parse_webhook("formbricks", b"{not json")
    assert info.value.field == "body"


def test_typeform_form_response_by_ref_hidden_and_calculated() -> None:
    config = MappingConfig(
        kpi={"field": "csat", "type": "csat"},
        text_fields=["csat_why", "anything_else"],
        touchpoint={"field": "hidden.touchpoint"},
        respondent={"field": "hidden.customer_id"},
        language={"field": "hidden.lang"},
        metadata_fields=["calculated.score"],
    )
    response = typeform(load("typeform_form_response.json"))
    mapped = map_response(config, response, "typeform")
    assert [a.question_id for a in mapped.answers] == ["csat_why", "anything_else"]
    p = mapped.answers[0].payload
    assert p["external_id"] == "typeform:a8f3c91d2e7b4056b1c3d9e8f7a6b5c4:csat_why"
    assert p["kpi"] == {"type": "csat", "score": 2.0} and p["touchpoint"] == "hotline"
    assert p["respondent_id"] == "C-77102" and p["language"] == "en"
    assert p["survey_id"] == "Xk29PqLm" and p["submitted_at"].startswith("2026-11-21T14:05:48")
    assert p["metadata"]["calculated.score"] == 0
    assert mapped.unmapped == ["callback"]
    # Field ids work as well as refs.
    by_id = MappingConfig(text_fields=["pM3nV8xZ2cFa"])
    assert (
        map_response(by_id, response, "typeform").answers[0].payload["text"].startswith("I waited")
    )


def test_generic_selectors() -> None:
    body = {
        "submission": {"id": 981, "at": "2026-11-02T10:00:00+01:00"},
        "answers": [{"q": "score", "v": "9"}, {"q": "why", "v": "Fast and friendly service."}],
        "ctx": {"shop name": "Hamburg"},
    }
    assert resolve(body, "$.answers[1].v") == "Fast and friendly service."
    assert resolve(body, "answers.0.v") == "9" and resolve(body, "$.ctx['shop name']") == "Hamburg"
    assert resolve(body, "$.answers[5].v") is None
    config = MappingConfig(
        kpi={"field": "$.answers[0].v", "type": "nps"},
        text_fields=["$.answers[1].v"],
        response_id={"field": "$.submission.id"},
        submitted_at={"field": "$.submission.at"},
        touchpoint={"field": "$.ctx['shop name']"},
    )
    mapped = map_response(config, parse_webhook("generic", json.dumps(body).encode()), "generic")
    (answer,) = mapped.answers
    assert answer.payload["external_id"] == "generic:981:answers[1].v"
    assert answer.payload["kpi"] == {"type": "nps", "score": 9.0}
    assert answer.payload["submitted_at"] == "2026-11-02T09:00:00+00:00"
    assert answer.payload["touchpoint"] == "Hamburg"
    assert "answers[0].q" in mapped.unmapped


def test_bad_kpi_and_time_stop_the_answers_with_a_field() -> None:
    config = MappingConfig(
        kpi={"field": "score", "type": "nps"},
        text_fields=["why"],
        submitted_at={"field": "when"},
    )
    from nlp_service.connectors.payloads import SurveyResponse

    response = SurveyResponse(
        "generic", "r1", values={"score": "sehr gut", "why": "x", "when": "gestern"}
    )
    mapped = map_response(config, response, "generic")
    assert not mapped.answers
    assert sorted(p.field for p in mapped.errors) == ["kpi.score", "submitted_at"]
    assert all(p.question_id == "why" for p in mapped.errors)


def test_value_parsers() -> None:
    assert parse_score(7) == 7.0 and parse_score("10 - Extremely likely") == 10.0
    assert parse_score("4,5") == 4.5
    with pytest.raises(ValueError):
        parse_score(True)
    berlin = __import__("zoneinfo").ZoneInfo("Europe/Berlin")
    # 09:15 in Berlin in October (CEST, UTC+2) is 07:15 UTC.
    assert parse_time("2026-10-06 09:15:04", berlin) == datetime(2026, 10, 6, 7, 15, 4, tzinfo=UTC)
    assert parse_time("06.10.2026") == datetime(2026, 10, 6, tzinfo=UTC)
    assert [normalise_language(x) for x in ("DE", "en-GB", "EN_us", "default", "123", None)] == [
        "de",
        "en",
        "en",
        None,
        None,
        None,
    ]


def test_qualtrics_export_three_header_rows() -> None:
    parsed = parse_export((DATA / "qualtrics_export.csv").read_bytes())
    assert parsed.format == "qualtrics" and parsed.header_rows == 3
    assert len(parsed.responses) == 5 and parsed.responses[0].row == 4
    assert parsed.questions == ["Q1", "Q2", "Q3", "Q4"]
    first = parsed.responses[0]
    assert first.response_id == "R_1Fq3xYz8AbCdE01" and first.language == "DE"
    # Columns answer to their import ids as well.
    assert first.values["QID2_TEXT"] == first.values["QID2"] == first.values["Q2"]
    config = MappingConfig(
        kpi={"field": "QID1", "type": "nps"},
        text_fields=["QID2_TEXT", "QID3_TEXT"],
        touchpoint={"field": "touchpoint"},
        respondent={"field": "ExternalReference"},
    )
    mapped = [map_response(config, r, "qualtrics", parsed.timezone) for r in parsed.responses]
    answers = [a for m in mapped for a in m.answers]
    assert [a.payload["external_id"] for a in answers] == [
        "qualtrics:R_1Fq3xYz8AbCdE01:QID2_TEXT",
        "qualtrics:R_2Gr4yZa9BcDeF02:QID2_TEXT",
        "qualtrics:R_2Gr4yZa9BcDeF02:QID3_TEXT",
        "qualtrics:R_3Hs5zAb0CdEfG03:QID2_TEXT",
    ]
    assert answers[1].payload["kpi"] == {"type": "nps", "score": 3.0}
    # RecordedDate is Berlin time (CEST): 11:34:51 -> 09:34:51 UTC.
    assert answers[1].payload["submitted_at"] == "2026-10-06T09:34:51+00:00"
    assert (
        answers[3].payload["language"] == "en" and answers[0].payload["respondent_id"] == "KD-1001"
    )
    # Row 7 has the score "elf": an error per open answer, naming the KPI field.
    assert [(p.field, p.question_id) for p in mapped[3].errors] == [("kpi.score", "QID2_TEXT")]


def test_limesurvey_export_question_codes() -> None:
    parsed = parse_export((DATA / "limesurvey_export.csv").read_bytes())
    assert parsed.format == "limesurvey"
    assert parsed.questions == ["NPS", "WHY", "BETTER", "TP", "AGE"]
    config = MappingConfig(
        kpi={"field": "NPS", "type": "nps"},
        text_fields=["WHY", "BETTER"],
        touchpoint={"field": "TP"},
    )
    answers = [a for r in parsed.responses for a in map_response(config, r, "limesurvey").answers]
    # Responses 17 (WHY), 18 and 19 (WHY and BETTER); 20 answered no open question.
    assert [a.payload["external_id"] for a in answers] == [
        "limesurvey:17:WHY",
        "limesurvey:18:WHY",
        "limesurvey:18:BETTER",
        "limesurvey:19:WHY",
        "limesurvey:19:BETTER",
    ]
    assert [a.payload["kpi"]["score"] for a in answers] == [9.0, 2.0, 2.0, 7.0, 7.0]
    assert [a.payload["touchpoint"] for a in answers] == [
        "delivery",
        "hotline",
        "hotline",
        "app",
        "app",
    ]
    assert [a.payload["language"] for a in answers] == ["de", "de", "de", "en", "en"]


def test_plain_csv_row_ids_are_stable_and_semicolons_work() -> None:
    text = (
        "Kommentar;Note;Kanal;Datum\n"
        "Sehr freundlich.;5;Filiale;01.10.2026\n"
        "Zu langsam.;2;App;02.10.2026\n"
    )
    first = parse_export(text.encode("cp1252"))
    again = parse_export(text.encode("utf-8"))
    assert first.format == "csv" and first.columns == ["Kommentar", "Note", "Kanal", "Datum"]
    assert [r.response_id for r in first.responses] == [r.response_id for r in again.responses]
    assert first.responses[0].response_id != first.responses[1].response_id


def test_broken_files_are_errors_naming_the_file() -> None:
    for data in (b"", b"PK\x03\x04 not really a zip", b"a,b\x00c\n1,2\n"):
        with pytest.raises(FileError) as info:
            parse_export(data)
        assert info.value.field == "file"
    with pytest.raises(FileError, match="twice"):
        parse_export(b"text,text\na,b\n")
    with pytest.raises(FileError, match="three header rows"):
        parse_export(b"a,b\n1,2\n", "qualtrics")
    rows = parse_export(b"text,score\nok,1\nbad,2,extra\n")
    assert [(p.row, p.field) for p in rows.problems] == [(3, "row")]


def test_xlsx_export_reads_like_its_csv() -> None:
    """Qualtrics' Excel download has the same three header rows; cells come back typed."""
    import csv
    import io

    from openpyxl import Workbook

    rows = list(csv.reader(io.StringIO((DATA / "qualtrics_export.csv").read_text("utf-8-sig"))))
    book = Workbook()
    sheet = book.active
    for i, row in enumerate(rows):
        # Excel stores the scores as numbers and the dates as dates.
        typed: list[object] = list(row)
        if i >= 3:
            typed[18] = int(row[18]) if row[18].isdigit() else row[18]
            typed[7] = datetime.strptime(row[7], "%Y-%m-%d %H:%M:%S")
        sheet.append(typed)
    buffer = io.BytesIO()
    book.save(buffer)
    from_xlsx = parse_export(buffer.getvalue())
    from_csv = parse_export((DATA / "qualtrics_export.csv").read_bytes())
    assert from_xlsx.format == "qualtrics" and from_xlsx.questions == from_csv.questions
    config = MappingConfig(kpi={"field": "QID1", "type": "nps"}, text_fields=["QID2_TEXT"])
    a = [map_response(config, r, "qualtrics", from_xlsx.timezone) for r in from_xlsx.responses]
    b = [map_response(config, r, "qualtrics", from_csv.timezone) for r in from_csv.responses]
    assert [x.answers[0].payload for x in a if x.answers] == [
        y.answers[0].payload for y in b if y.answers
    ]
