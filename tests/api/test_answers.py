"""POST/GET /v1/answers and the batch endpoint, through httpx against the real app."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import TenantKey

DE = {
    "external_id": "s1/r1/q1",
    "survey_id": "s1",
    "question_id": "q1",
    "touchpoint": "delivery",
    "kpi": {"type": "nps", "score": 3},
    "text": "Die Lieferung kam zu spät. Rufen Sie mich an: max.mustermann@example.com",
    "language": "de",
    "respondent_id": "r-1",
    "submitted_at": "2026-11-01T10:00:00Z",
    "metadata": {"channel": "email"},
}
EN = {
    "external_id": "s1/r2/q1",
    "touchpoint": "support",
    "kpi": {"type": "csat", "score": 5},
    "text": "The support team was friendly and solved my problem quickly.",
    "language": "en",
}


def test_create_read_and_shape(client: TestClient, tenant: Callable[..., TenantKey]) -> None:
    key = tenant()
    r = client.post("/v1/answers", json=DE, headers=key.headers)
    assert r.status_code == 201, r.text
    body = r.json()
    for field in (
        "id",
        "external_id",
        "touchpoint",
        "kpi",
        "language",
        "sentiment",
        "themes",
        "flags",
        "segments",
    ):
        assert field in body
    assert body["language"] == "de"
    assert body["kpi"] == {"type": "nps", "score": 3.0, "group": "detractor", "normalized": 0.3}
    assert body["sentiment"]["label"] in ("negative", "neutral", "positive")
    assert "max.mustermann" not in body["text"] and "email" in body["pii_types"]
    assert any(f["type"] == "personal_data" for f in body["flags"])
    assert body["segments"] and body["segments"][0]["start"] == 0
    r2 = client.post("/v1/answers", json=EN, headers=key.headers)
    assert r2.status_code == 201 and r2.json()["language"] == "en"
    got = client.get(f"/v1/answers/{body['id']}", headers=key.headers)
    assert got.status_code == 200 and got.json() == body


def test_idempotency_and_conflict(client: TestClient, tenant: Callable[..., TenantKey], db) -> None:
    key = tenant()
    first = client.post("/v1/answers", json=EN, headers=key.headers)
    again = client.post("/v1/answers", json=EN, headers=key.headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    rows = db("SELECT count(*) FROM entries WHERE tenant_id = :t", {"t": key.id})
    assert rows[0][0] == 1
    changed = client.post(
        "/v1/answers", json={**EN, "text": "Something else."}, headers=key.headers
    )
    assert changed.status_code == 409
    assert changed.json()["error"]["code"] == "conflict"
    assert changed.json()["error"]["field"] == "external_id"
    # The same external id in another tenant is a different answer.
    other = client.post("/v1/answers", json=EN, headers=tenant().headers)
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]


def test_validation_errors_have_one_shape(client: TestClient, tenant) -> None:
    h = tenant().headers
    cases = [
        ({**EN, "kpi": {"type": "nps", "score": 11}}, 422, "kpi.score"),
        ({**EN, "kpi": {"type": "nps", "score": "x"}}, 422, "kpi.score"),
        ({**EN, "kpi": {"type": "stars", "score": 1}}, 422, "kpi.type"),
        ({**EN, "text": "   "}, 422, "text"),
        ({**EN, "language": "123"}, 422, "language"),
        ({k: v for k, v in EN.items() if k != "text"}, 422, "text"),
        ({**EN, "unknown": 1}, 422, "unknown"),
        ({**EN, "text": "x" * 10_001}, 413, "text"),
    ]
    for payload, status, field in cases:
        r = client.post("/v1/answers", json=payload, headers=h)
        assert r.status_code == status, (payload, r.text)
        error = r.json()["error"]
        assert set(error) == {"code", "message", "field"} and error["field"] == field, error
    bad_json = client.post(
        "/v1/answers", content=b"{nope", headers={**h, "content-type": "application/json"}
    )
    # Malformed JSON is a 400 on the body (it used to name a byte offset as the field).
    assert bad_json.status_code == 400 and bad_json.json()["error"]["field"] == "body"


def test_oversized_body_is_413(client: TestClient, tenant) -> None:
    r = client.post(
        "/v1/answers/batch",
        content=b"x" * (33 * 1024 * 1024),
        headers={**tenant().headers, "content-type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["error"]["field"] == "body"


def test_batch_partial_failure_keeps_order(client: TestClient, tenant, db) -> None:
    key = tenant()
    items = [
        {**EN, "external_id": "b0"},
        {**EN, "external_id": "b1", "kpi": {"type": "nps", "score": 99}},
        {"external_id": "b2", "text": "Der Kundenservice war sehr hilfsbereit.", "language": "de"},
        "not an object",
        {**EN, "external_id": "b4", "text": ""},
        {**EN, "external_id": "b0"},  # repeats item 0: same content -> existing
        {**EN, "external_id": "b0", "text": "changed"},  # same key, other content -> 409
    ]
    r = client.post("/v1/answers/batch", json={"items": items}, headers=key.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    statuses = [(i["index"], i["status"]) for i in body["items"]]
    assert statuses == [
        (0, "created"),
        (1, "error"),
        (2, "created"),
        (3, "error"),
        (4, "error"),
        (5, "existing"),
        (6, "error"),
    ]
    assert body["items"][1]["error"]["field"] == "items.1.kpi.score"
    assert body["items"][4]["error"]["field"] == "items.4.text"
    assert body["items"][6]["error"]["code"] == "conflict"
    assert body["items"][2]["answer"]["language"] == "de"
    assert body["items"][5]["answer"]["id"] == body["items"][0]["answer"]["id"]
    assert (body["created"], body["existing"], body["failed"]) == (2, 1, 4)
    # Resending the whole batch creates nothing new.
    again = client.post("/v1/answers/batch", json={"items": items[:1]}, headers=key.headers)
    assert again.json()["items"][0]["status"] == "existing"
    assert db("SELECT count(*) FROM entries WHERE tenant_id = :t", {"t": key.id})[0][0] == 2


def test_batch_limit(client: TestClient, tenant) -> None:
    r = client.post("/v1/answers/batch", json={"items": [EN] * 1001}, headers=tenant().headers)
    assert r.status_code == 413 and r.json()["error"]["field"] == "items"


def test_redaction_in_the_stored_row(client: TestClient, tenant, db) -> None:
    redacting, keeping = tenant(), tenant(keep_raw=True)
    a = client.post("/v1/answers", json=DE, headers=redacting.headers).json()
    b = client.post("/v1/answers", json=DE, headers=keeping.headers).json()
    ((text, raw),) = db("SELECT text, text_is_raw FROM entries WHERE id = :i", {"i": a["id"]})
    assert "max.mustermann@example.com" not in text and "[EMAIL]" in text and not raw
    segs = db(
        "SELECT s.text FROM segments s JOIN entries e ON e.seq = s.entry_seq WHERE e.id = :i",
        {"i": a["id"]},
    )
    assert segs and all("mustermann" not in s[0] for s in segs)
    ((text, raw),) = db("SELECT text, text_is_raw FROM entries WHERE id = :i", {"i": b["id"]})
    assert "max.mustermann@example.com" in text and raw
    # Embeddings are stored as float32 for refits: 512-d USE -> 2048 bytes per vector.
    (size,) = db(
        "SELECT length(s.embedding) FROM segments s JOIN entries e ON e.seq = s.entry_seq "
        "WHERE e.id = :i ORDER BY s.idx LIMIT 1",
        {"i": a["id"]},
    )[0]
    assert size % 4 == 0 and size >= 4 * 256


def test_list_filters_and_pagination(client: TestClient, tenant) -> None:
    key = tenant()
    items = [
        {
            "external_id": f"p{i}",
            "touchpoint": "shop" if i % 2 else "app",
            "kpi": {"type": "nps", "score": 10 if i % 3 == 0 else 2},
            "text": "Great service, thank you!" if i % 3 == 0 else "Terrible delivery, very late.",
            "language": "en",
            "submitted_at": f"2026-10-{i + 1:02d}T12:00:00Z",
        }
        for i in range(7)
    ]
    assert (
        client.post("/v1/answers/batch", json={"items": items}, headers=key.headers).json()[
            "created"
        ]
        == 7
    )
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/answers", params=params, headers=key.headers).json()
        seen += [a["external_id"] for a in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and seen == [f"p{i}" for i in reversed(range(7))]

    def ids(**params: str) -> set[str]:
        page = client.get("/v1/answers", params=params, headers=key.headers).json()
        return {a["external_id"] for a in page["items"]}

    assert ids(touchpoint="shop") == {"p1", "p3", "p5"}
    assert ids(kpi_group="promoter") == {"p0", "p3", "p6"}
    assert ids(language="de") == set()
    assert ids(**{"from": "2026-10-03T00:00:00Z", "to": "2026-10-05T00:00:00Z"}) == {"p2", "p3"}
    negative = ids(sentiment="negative")
    assert negative and negative <= {"p1", "p2", "p4", "p5"}
    bad = client.get("/v1/answers", params={"cursor": "garbage"}, headers=key.headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "cursor"
