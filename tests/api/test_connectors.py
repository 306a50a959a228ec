"""Survey platforms through the real app: mappings, signed webhooks (Formbricks, Typeform,
generic), idempotent replays and updates, imports of Qualtrics and LimeSurvey exports, exports."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from nlp_service.connectors.signatures import hex_signature, standard_signature, typeform_signature
from tests.conftest import TenantKey

DATA = Path(__file__).resolve().parents[1] / "connectors" / "data"
FB_SECRET = "whsec_dGVzdC1mb3JtYnJpY2tzLXNpZ25pbmcta2V5"
TF_SECRET = "typeform-secret-for-tests"
FORMBRICKS = {
    "source": "formbricks",
    "name": "Relationship NPS",
    "secret": FB_SECRET,
    "kpi": {"field": "nps_score", "type": "nps"},
    "text_fields": ["nps_reason", "improve"],
    "touchpoint": {"field": "hidden.channel", "value": "web"},
    "respondent": {"field": "contact.userId"},
}
TYPEFORM = {
    "source": "typeform",
    "name": "After the call",
    "secret": TF_SECRET,
    "kpi": {"field": "csat", "type": "csat"},
    "text_fields": ["csat_why", "anything_else"],
    "touchpoint": {"field": "hidden.touchpoint"},
    "respondent": {"field": "hidden.customer_id"},
    "language": {"field": "hidden.lang"},
}


def fixture(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def formbricks_post(
    client: TestClient, url: str, payload: dict, secret: str = FB_SECRET, stamp: int | None = None
):
    body = json.dumps(payload).encode()
    msg_id, stamp = f"msg_{uuid.uuid4().hex}", stamp or int(time.time())
    headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": standard_signature(secret, msg_id, stamp, body),
    }
    return client.post(url, content=body, headers=headers)


def count(db, tenant_id: str, table: str = "entries") -> int:
    return db(f"SELECT count(*) FROM {table} WHERE tenant_id = :t", {"t": tenant_id})[0][0]


def test_mapping_crud_never_returns_the_secret(
    client: TestClient, tenant: Callable[..., TenantKey]
) -> None:
    key = tenant(roles="ingest")
    r = client.post("/v1/connectors/mappings", json=FORMBRICKS, headers=key.headers)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["webhook_url"] == f"/v1/connectors/formbricks/{created['id']}"
    assert created["has_secret"] is True and "secret" not in created
    assert FB_SECRET not in r.text
    got = client.get(f"/v1/connectors/mappings/{created['id']}", headers=key.headers)
    assert got.status_code == 200 and got.json() == created and FB_SECRET not in got.text
    listed = client.get("/v1/connectors/mappings", headers=key.headers).json()["items"]
    assert [m["id"] for m in listed] == [created["id"]]
    # PUT without a secret keeps the stored one.
    changed = {k: v for k, v in FORMBRICKS.items() if k != "secret"} | {"text_fields": ["improve"]}
    put = client.put(f"/v1/connectors/mappings/{created['id']}", json=changed, headers=key.headers)
    assert put.status_code == 200 and put.json()["text_fields"] == ["improve"]
    assert put.json()["has_secret"] is True
    assert (
        client.post("/v1/connectors/mappings", json=FORMBRICKS, headers=key.headers).status_code
        == 409
    )
    # Another tenant sees nothing.
    other = tenant().headers
    assert client.get(f"/v1/connectors/mappings/{created['id']}", headers=other).status_code == 404
    assert (
        client.delete(f"/v1/connectors/mappings/{created['id']}", headers=other).status_code == 404
    )
    assert client.get("/v1/connectors/mappings").status_code == 401
    assert (
        client.get("/v1/connectors/mappings", headers=tenant(roles="research").headers).status_code
        == 403
    )
    gone = client.delete(f"/v1/connectors/mappings/{created['id']}", headers=key.headers)
    assert gone.status_code == 204
    assert (
        client.get(f"/v1/connectors/mappings/{created['id']}", headers=key.headers).status_code
        == 404
    )


def test_mapping_validation_names_the_field(client: TestClient, tenant) -> None:
    h = tenant().headers
    cases = [
        ({**FORMBRICKS, "source": "surveymonkey"}, "source"),
        ({**FORMBRICKS, "kpi": {"field": "x", "type": "stars"}}, "kpi.type"),
        ({**FORMBRICKS, "text_fields": []}, "text_fields"),
        ({**FORMBRICKS, "text_fields": ["a", "a"]}, "text_fields"),
        ({**FORMBRICKS, "touchpoint": {}}, "touchpoint"),
        ({**FORMBRICKS, "secret": "short"}, "secret"),
        ({**FORMBRICKS, "secret": "whsec_not base64!"}, "secret"),
        ({**FORMBRICKS, "name": "x\x00"}, "name"),
        ({**FORMBRICKS, "text_fields": ["$.a[["]}, "text_fields"),
        ({**FORMBRICKS, "colour": "blue"}, "colour"),
    ]
    for body, field in cases:
        r = client.post("/v1/connectors/mappings", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["field"] == field, r.json()


def test_formbricks_webhook_stores_replays_and_updates(
    client: TestClient, tenant: Callable[..., TenantKey], db, monkeypatch
) -> None:
    import nlp_service.services.connectors as connector_service

    logged: list[str] = []

    class Recorder:
        def info(self, event: str, **fields: object) -> None:
            logged.append(json.dumps({"event": event, **fields}, default=str))

        warning = info

    monkeypatch.setattr(connector_service, "log", Recorder())
    key = tenant()
    url = client.post("/v1/connectors/mappings", json=FORMBRICKS, headers=key.headers).json()[
        "webhook_url"
    ]
    payload = fixture("formbricks_response_finished.json")

    # A bad signature, a wrong secret, a replay outside the tolerance: 401, nothing stored.
    forged = formbricks_post(client, url, payload, secret="whsec_" + "QUFBQUFBQUFBQUFB")
    old = formbricks_post(client, url, payload, stamp=int(time.time()) - 3600)
    assert (forged.status_code, old.status_code) == (401, 401)
    assert forged.json()["error"]["field"] == "signature" and FB_SECRET not in forged.text
    unsigned = client.post(url, json=payload)
    assert unsigned.status_code == 401
    assert count(db, key.id) == 0

    r = formbricks_post(client, url, payload)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(a["question_id"], a["status"]) for a in body["answers"]] == [
        ("nps_reason", "created"),
        ("improve", "created"),
    ]
    assert body["unmapped_fields"] == ["plan_choice"] and body["event"] == "responseFinished"
    answer = client.get(
        f"/v1/answers/{body['answers'][0]['answer_id']}", headers=key.headers
    ).json()
    assert answer["kpi"] == {"type": "nps", "score": 4.0, "group": "detractor", "normalized": 0.4}
    assert answer["touchpoint"] == "app" and answer["respondent_id"] == "kunde-48213"
    assert answer["external_id"] == "formbricks:cm3x7q9fz000b12mnop3qrs4t:nps_reason"
    assert answer["language"] == "de" and answer["sentiment"]["label"] == "negative"
    assert answer["metadata"]["source"] == "formbricks"

    # The platform repeats the delivery (new message id, same content): nothing changes.
    again = formbricks_post(client, url, payload)
    assert [a["status"] for a in again.json()["answers"]] == ["existing", "existing"]
    assert [a["answer_id"] for a in again.json()["answers"]] == [
        a["answer_id"] for a in body["answers"]
    ]
    assert count(db, key.id) == 2

    # responseUpdated with a new text for one question: that answer is updated in place.
    improve_id = body["answers"][1]["answer_id"]
    first = client.get(f"/v1/answers/{improve_id}", headers=key.headers).json()
    updated = json.loads(json.dumps(payload))
    updated["event"] = "responseUpdated"
    updated["data"]["data"]["improve"] = (
        "Alles wieder gut, der Support hat mich heute zurückgerufen."
    )
    r2 = formbricks_post(client, url, updated)
    assert [a["status"] for a in r2.json()["answers"]] == ["existing", "updated"]
    assert r2.json()["answers"][1]["answer_id"] == improve_id
    assert count(db, key.id) == 2
    now = client.get(f"/v1/answers/{improve_id}", headers=key.headers).json()
    # Re-analysed: the new text reads better than the complaint it replaced.
    assert now["text"].startswith("Alles wieder gut") and now["sentiment"]["label"] != "negative"
    assert now["sentiment"]["score"] > first["sentiment"]["score"], (first, now)
    assert now["segments"][0]["text"].startswith("Alles wieder gut")
    ((revision, reason, before),) = db(
        "SELECT revision, reason, before FROM entry_revisions WHERE entry_id = :e",
        {"e": improve_id},
    )
    before = json.loads(before) if isinstance(before, str) else before
    assert (revision, reason) == (1, "formbricks:responseUpdated")
    assert before["text"].startswith("Bitte den Checkout")
    segs = db(
        "SELECT count(*) FROM segments s JOIN entries e ON e.seq = s.entry_seq WHERE e.id = :i",
        {"i": improve_id},
    )[0][0]
    assert segs == len(now["segments"])
    # The same update again changes nothing and records no new revision.
    r3 = formbricks_post(client, url, updated)
    assert [a["status"] for a in r3.json()["answers"]] == ["existing", "existing"]
    assert count(db, key.id, "entry_revisions") == 1
    # Every delivery was logged, and the secret appears in no log line.
    # 3 refused (forged, stale, unsigned) and 4 accepted deliveries.
    assert len(logged) == 7 and all(FB_SECRET not in line for line in logged)
    assert json.loads(logged[-1])["statuses"] == ["existing", "existing"]


def test_webhook_errors_are_4xx_naming_the_field(client: TestClient, tenant, db) -> None:
    key = tenant()
    mapping = client.post("/v1/connectors/mappings", json=FORMBRICKS, headers=key.headers).json()
    url = mapping["webhook_url"]
    not_json = b"{oops"
    stamp, msg = int(time.time()), "msg_1"
    r = client.post(
        url,
        content=not_json,
        headers={
            "webhook-id": msg,
            "webhook-timestamp": str(stamp),
            "webhook-signature": standard_signature(FB_SECRET, msg, stamp, not_json),
        },
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "body"
    wrong_event = {**fixture("formbricks_response_finished.json"), "event": "surveyClosed"}
    r = formbricks_post(client, url, wrong_event)
    assert r.status_code == 422 and r.json()["error"]["field"] == "event"
    payload = fixture("formbricks_response_finished.json")
    assert (
        formbricks_post(client, url.replace("formbricks", "typeform"), payload).status_code == 404
    )
    assert formbricks_post(client, "/v1/connectors/formbricks/map_nope", payload).status_code == 404
    assert (
        formbricks_post(client, url.replace("formbricks", "survicate"), payload).status_code == 404
    )
    big = {**payload, "pad": "x" * (1024 * 1024)}
    assert formbricks_post(client, url, big).status_code == 413
    # A mapping without a secret refuses every delivery until one is set.
    unsigned = client.post(
        "/v1/connectors/mappings",
        json={**FORMBRICKS, "name": "no secret", "secret": None},
        headers=key.headers,
    ).json()
    r = formbricks_post(client, unsigned["webhook_url"], payload)
    assert r.status_code == 401 and "no secret" in r.json()["error"]["message"]
    # A text over the limit fails alone, with its field; the other answer is stored.
    long = json.loads(json.dumps(payload))
    long["data"]["data"]["improve"] = "zu lang " * 2000
    r = formbricks_post(client, url, long)
    assert r.status_code == 200
    statuses = {a["question_id"]: a for a in r.json()["answers"]}
    assert statuses["nps_reason"]["status"] == "created"
    assert statuses["improve"]["status"] == "error"
    assert statuses["improve"]["error"]["field"] == "text"
    assert count(db, key.id) == 1


def test_typeform_and_generic_webhooks(client: TestClient, tenant, db) -> None:
    key = tenant()
    url = client.post("/v1/connectors/mappings", json=TYPEFORM, headers=key.headers).json()[
        "webhook_url"
    ]
    body = (DATA / "typeform_form_response.json").read_bytes()
    bad = client.post(url, content=body, headers={"Typeform-Signature": "sha256=AAAA"})
    assert bad.status_code == 401 and count(db, key.id) == 0
    sig = {"Typeform-Signature": typeform_signature(TF_SECRET, body)}
    r = client.post(url, content=body, headers=sig)
    assert r.status_code == 200, r.text
    assert [a["status"] for a in r.json()["answers"]] == ["created", "created"]
    assert r.json()["unmapped_fields"] == ["callback"]
    answer = client.get(f"/v1/answers/{r.json()['answers'][0]['answer_id']}", headers=key.headers)
    a = answer.json()
    assert a["kpi"]["type"] == "csat" and a["kpi"]["score"] == 2.0
    assert a["touchpoint"] == "hotline" and a["respondent_id"] == "C-77102"
    assert a["survey_id"] == "Xk29PqLm" and a["question_id"] == "csat_why"
    replay = client.post(url, content=body, headers=sig)
    assert [x["status"] for x in replay.json()["answers"]] == ["existing", "existing"]

    generic = {
        "source": "generic",
        "name": "kiosk terminal",
        "secret": "kiosk-secret-42",
        "kpi": {"field": "$.rating", "type": "ces"},
        "text_fields": ["$.comment"],
        "response_id": {"field": "$.id"},
        "touchpoint": {"value": "kiosk"},
    }
    gurl = client.post("/v1/connectors/mappings", json=generic, headers=key.headers).json()[
        "webhook_url"
    ]
    gbody = json.dumps({"id": "k-77", "rating": 6, "comment": "Easy to use terminal."}).encode()
    r = client.post(
        gurl, content=gbody, headers={"X-Signature": hex_signature("kiosk-secret-42", gbody)}
    )
    assert r.status_code == 200, r.text
    (item,) = r.json()["answers"]
    stored = client.get(f"/v1/answers/{item['answer_id']}", headers=key.headers).json()
    assert stored["external_id"] == "generic:k-77:comment" and stored["touchpoint"] == "kiosk"
    assert stored["kpi"]["type"] == "ces" and stored["kpi"]["score"] == 6.0
    missing_id = json.dumps({"rating": 6, "comment": "No id here."}).encode()
    r = client.post(
        gurl,
        content=missing_id,
        headers={"X-Signature": hex_signature("kiosk-secret-42", missing_id)},
    )
    assert r.status_code == 200 and r.json()["answers"][0]["error"]["field"] == "response_id"


def _wait(client: TestClient, job_id: str, headers: dict) -> dict:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(f"/v1/imports/{job_id}", headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError("import did not finish")


def test_qualtrics_import_job_is_idempotent(client: TestClient, tenant, db) -> None:
    key = tenant()
    mapping = {
        "source": "qualtrics",
        "name": "Qualtrics NPS Oktober",
        "kpi": {"field": "QID1", "type": "nps"},
        "text_fields": ["QID2_TEXT", "QID3_TEXT"],
        "touchpoint": {"field": "touchpoint"},
        "respondent": {"field": "ExternalReference"},
    }
    created = client.post("/v1/connectors/mappings", json=mapping, headers=key.headers).json()
    assert created["webhook_url"] is None and created["has_secret"] is False
    data = (DATA / "qualtrics_export.csv").read_bytes()
    files = {"file": ("export.csv", data, "text/csv")}
    r = client.post(f"/v1/imports?mapping={created['id']}", files=files, headers=key.headers)
    assert r.status_code == 202, r.text
    assert r.json()["kind"] == "import" and r.json()["status"] in ("queued", "running", "succeeded")
    job = _wait(client, r.json()["id"], key.headers)
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert job["progress"] == 1.0
    assert (result["format"], result["rows"], result["answers"]) == ("qualtrics", 5, 4)
    assert (result["created"], result["existing"], result["failed"]) == (4, 0, 1)
    (error,) = result["errors"]
    assert (error["row"], error["question_id"], error["field"]) == (7, "QID2_TEXT", "kpi.score")
    assert result["unmapped_columns"] == ["Q4"]
    rows = db(
        "SELECT external_id, kpi_score, kpi_group, touchpoint, respondent_id, language, text "
        "FROM entries WHERE tenant_id = :t ORDER BY external_id",
        {"t": key.id},
    )
    assert [r[0] for r in rows] == [
        "qualtrics:R_1Fq3xYz8AbCdE01:QID2_TEXT",
        "qualtrics:R_2Gr4yZa9BcDeF02:QID2_TEXT",
        "qualtrics:R_2Gr4yZa9BcDeF02:QID3_TEXT",
        "qualtrics:R_3Hs5zAb0CdEfG03:QID2_TEXT",
    ]
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [
        (10.0, "promoter", "store", "KD-1001"),
        (3.0, "detractor", "delivery", "KD-1002"),
        (3.0, "detractor", "delivery", "KD-1002"),
        (8.0, "passive", "web", "KD-1003"),
    ]
    assert rows[3][5] == "en" and "[EMAIL]" in rows[2][6] and "jana.beispiel" not in rows[2][6]
    # The same file again (raw body this time): nothing is stored twice.
    again = client.post(f"/v1/imports?mapping={created['name']}", content=data, headers=key.headers)
    job2 = _wait(client, again.json()["id"], key.headers)
    assert (job2["result"]["created"], job2["result"]["existing"]) == (0, 4)
    assert count(db, key.id) == 4


def test_import_errors(client: TestClient, tenant) -> None:
    key = tenant()
    mapping = {"source": "generic", "name": "plain", "text_fields": ["comment"]}
    mid = client.post("/v1/connectors/mappings", json=mapping, headers=key.headers).json()["id"]
    r = client.post("/v1/imports?mapping=nope", content=b"comment\nok\n", headers=key.headers)
    assert r.status_code == 404 and r.json()["error"]["field"] == "mapping"
    r = client.post(f"/v1/imports?mapping={mid}", content=b"", headers=key.headers)
    assert r.status_code == 422 and r.json()["error"]["field"] == "file"
    r = client.post(f"/v1/imports?mapping={mid}", content=b"PK\x03\x04junk", headers=key.headers)
    assert r.status_code == 422 and r.json()["error"]["field"] == "file"
    r = client.post(f"/v1/imports?mapping={mid}&format=spss", content=b"a\n", headers=key.headers)
    assert r.status_code == 422 and r.json()["error"]["field"] == "format"
    r = client.post(
        f"/v1/imports?mapping={mid}", files={"other": ("a.csv", b"x")}, headers=key.headers
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "file"
    assert client.get("/v1/imports/job_nope", headers=key.headers).status_code == 404


def test_export_csv_jsonl_xlsx(client: TestClient, tenant) -> None:
    from openpyxl import load_workbook

    key = tenant()
    url = client.post("/v1/connectors/mappings", json=TYPEFORM, headers=key.headers).json()[
        "webhook_url"
    ]
    body = (DATA / "typeform_form_response.json").read_bytes()
    client.post(
        url, content=body, headers={"Typeform-Signature": typeform_signature(TF_SECRET, body)}
    )
    client.post(
        "/v1/answers",
        json={
            "external_id": "x1",
            "touchpoint": "web",
            "text": '=HYPERLINK("http://x") great shop',
        },
        headers=key.headers,
    )
    r = client.get("/v1/exports/answers?format=csv", headers=key.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 3
    by_q = {row["question_id"]: row for row in rows}
    why = by_q["csat_why"]
    assert (why["source"], why["response_id"], why["survey_id"]) == (
        "typeform",
        "a8f3c91d2e7b4056b1c3d9e8f7a6b5c4",
        "Xk29PqLm",
    )
    assert (why["kpi_type"], why["kpi_score"], why["touchpoint"]) == ("csat", "2.0", "hotline")
    assert (
        why["sentiment"] in ("negative", "neutral", "positive", "mixed")
        and why["respondent_id"] == "C-77102"
    )
    # The formula-looking text is defused for spreadsheets.
    assert by_q[""]["text"].startswith("'=HYPERLINK")
    filtered = client.get(
        "/v1/exports/answers?format=jsonl&touchpoint=hotline", headers=key.headers
    )
    lines = [json.loads(x) for x in filtered.text.splitlines()]
    assert len(lines) == 2 and {x["touchpoint"] for x in lines} == {"hotline"}
    assert lines[0]["text"] and not lines[0]["text"].startswith("'")
    x = client.get("/v1/exports/answers?format=xlsx", headers=key.headers)
    assert x.status_code == 200
    sheet = load_workbook(io.BytesIO(x.content), read_only=True).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "answer_id" and len(values) == 4
    assert client.get("/v1/exports/answers?format=pdf", headers=key.headers).status_code == 422
    bad = client.get("/v1/exports/answers?from=0001-01-01", headers=key.headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "from"
    empty = client.get("/v1/exports/answers", headers=tenant().headers)
    assert empty.status_code == 200 and empty.text.startswith("answer_id,")


def test_import_upload_is_bounded(data_dir: Path, db_url: str, api_pipeline, tenant) -> None:
    from nlp_service.api import create_app
    from tests.conftest import make_settings

    settings = make_settings(data_dir, db_url, import_max_bytes=200)
    with TestClient(create_app(settings, api_pipeline)) as client:
        key = tenant()
        mapping = {"source": "generic", "name": "plain", "text_fields": ["comment"]}
        mid = client.post("/v1/connectors/mappings", json=mapping, headers=key.headers).json()["id"]
        big = b"comment\n" + b"Ganz okay.\n" * 30
        r = client.post(f"/v1/imports?mapping={mid}", content=big, headers=key.headers)
        assert r.status_code == 413 and r.json()["error"]["field"] == "file"
        r = client.post(
            f"/v1/imports?mapping={mid}", files={"file": ("a.csv", big)}, headers=key.headers
        )
        assert r.status_code == 413 and r.json()["error"]["field"] == "file"


def test_formbricks_partial_then_finished_links_the_kpi(client: TestClient, tenant, db) -> None:
    """responseCreated often carries the first answers only; the KPI arrives later and is
    linked to the answers already stored (an update), and new questions are added."""
    key = tenant()
    url = client.post("/v1/connectors/mappings", json=FORMBRICKS, headers=key.headers).json()[
        "webhook_url"
    ]
    full = fixture("formbricks_response_finished.json")
    partial = json.loads(json.dumps(full))
    partial["event"] = "responseCreated"
    partial["data"]["data"] = {"nps_reason": full["data"]["data"]["nps_reason"]}
    first = formbricks_post(client, url, partial).json()
    assert [a["status"] for a in first["answers"]] == ["created"]
    assert sorted(first["missing_fields"]) == ["improve", "nps_score"]
    answer_id = first["answers"][0]["answer_id"]
    assert client.get(f"/v1/answers/{answer_id}", headers=key.headers).json()["kpi"] is None
    done = formbricks_post(client, url, full).json()
    assert [(a["question_id"], a["status"]) for a in done["answers"]] == [
        ("nps_reason", "updated"),
        ("improve", "created"),
    ]
    assert done["answers"][0]["answer_id"] == answer_id
    linked = client.get(f"/v1/answers/{answer_id}", headers=key.headers).json()
    assert linked["kpi"]["group"] == "detractor" and linked["touchpoint"] == "app"
    assert count(db, key.id) == 2 and count(db, key.id, "entry_revisions") == 1
