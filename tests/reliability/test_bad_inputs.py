"""The bad-input corpus: every case answers a 4xx whose `field` names the culprit, stores
nothing, and leaves the service answering (no 500, no dropped connection). Runs on SQLite and on
the real PostgreSQL (where NUL bytes and out-of-range integers used to be 500s)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TenantKey

GOOD = {"text": "Die Lieferung kam pünktlich.", "language": "de"}


def _answer(**fields: Any) -> dict[str, Any]:
    return {**GOOD, **fields}


# (name, body for POST /v1/answers, expected status, expected field)
ANSWER_CASES: list[tuple[str, Any, int, str]] = [
    ("nul in text", _answer(text="a\u0000b"), 422, "text"),
    ("lone surrogate in text", _answer(text="a \ud800 b"), 422, "text"),
    ("zero-width only", _answer(text="\u200b\u200c\ufeff"), 422, "text"),
    ("whitespace only", _answer(text=" \n\t "), 422, "text"),
    ("empty text", _answer(text=""), 422, "text"),
    ("text not a string", _answer(text=["a"]), 422, "text"),
    ("missing text", {"language": "de"}, 422, "text"),
    ("year 1", _answer(submitted_at="0001-01-01T00:00:00+01:00"), 422, "submitted_at"),
    ("year 9999", _answer(submitted_at="9999-12-31T23:59:59-01:00"), 422, "submitted_at"),
    ("not a date", _answer(submitted_at="yesterday"), 422, "submitted_at"),
    ("epoch number", _answer(submitted_at=0), 422, "submitted_at"),
    ("nul in external_id", _answer(external_id="x\u0000"), 422, "external_id"),
    ("nul in touchpoint", _answer(touchpoint="web\u0000shop"), 422, "touchpoint"),
    ("surrogate in metadata", _answer(metadata={"k": "a \udfff"}), 422, "metadata"),
    ("nul in metadata key", _answer(metadata={"a\u0000": 1}), 422, "metadata"),
    ("surrogate in metadata key", _answer(metadata={"\udfff": 1}), 422, "metadata"),
    ("metadata too deep", _answer(metadata={"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}), 422,
     "metadata"),
    ("metadata too large", _answer(metadata={"blob": "x" * 20_000}), 422, "metadata"),
    ("metadata not an object", _answer(metadata=[1, 2]), 422, "metadata"),
    ("nps 11", _answer(kpi={"type": "nps", "score": 11}), 422, "kpi.score"),
    ("kpi type unknown", _answer(kpi={"type": "ces9", "score": 3}), 422, "kpi.type"),
    ("kpi score false", _answer(kpi={"type": "nps", "score": False}), 422, "kpi.score"),
    ("kpi score NaN", _answer(kpi={"type": "nps", "score": "NaN"}), 422, "kpi.score"),
    ("language not a code", _answer(language="d3!"), 422, "language"),
    ("unknown field", _answer(colour="red"), 422, "colour"),
    ("external_id too long", _answer(external_id="x" * 201), 422, "external_id"),
    ("text too long", _answer(text="x " * 6_000), 413, "text"),
]  # fmt: skip


def _post(client: TestClient, path: str, body: Any, key: TenantKey) -> Any:
    """JSON with ASCII escapes, as a client would send a lone surrogate ("\\ud800")."""
    headers = {**key.headers, "Content-Type": "application/json"}
    return client.post(path, content=json.dumps(body), headers=headers)


def _count(client: TestClient, key: TenantKey) -> int:
    page = client.get("/v1/answers", params={"limit": 500}, headers=key.headers).json()
    return len(page["items"])


@pytest.mark.parametrize(("name", "body", "status", "field"), ANSWER_CASES, ids=lambda v: str(v))
def test_bad_answer_is_refused_naming_the_field(
    client: TestClient,
    tenant: Callable[..., TenantKey],
    name: str,
    body: Any,
    status: int,
    field: str,
) -> None:
    key = tenant()
    r = _post(client, "/v1/answers", body, key)
    assert r.status_code == status, (name, r.text)
    assert r.json()["error"]["field"] == field, (name, r.json())
    # In a batch the same item fails alone, its neighbour is stored.
    batch = _post(client, "/v1/answers/batch", {"items": [body, GOOD]}, key)
    assert batch.status_code == 200, (name, batch.text)
    items = batch.json()["items"]
    assert items[0]["status"] == "error" and items[0]["error"]["field"] == f"items.0.{field}"
    assert items[1]["status"] == "created"
    assert _count(client, key) == 1
    assert client.get("/healthz").status_code == 200


QUERY_CASES: list[tuple[str, str, dict[str, str], str]] = [
    ("theme id overflow", "/v1/answers", {"theme": "99999999999999999999"}, "theme"),
    ("nul in touchpoint filter", "/v1/answers", {"touchpoint": "a\u0000"}, "touchpoint"),
    ("nul in theme label", "/v1/answers", {"theme": "x\u0000y"}, "theme"),
    ("from year 1", "/v1/answers", {"from": "0001-01-01T00:00:00+01:00"}, "from"),
    ("to not a date", "/v1/answers", {"to": "soon"}, "to"),
    ("to a number", "/v1/answers", {"to": "0.5"}, "to"),
    ("cursor garbage", "/v1/answers", {"cursor": "!!!"}, "cursor"),
    ("limit 0", "/v1/answers", {"limit": "0"}, "limit"),
    ("sentiment unknown", "/v1/answers", {"sentiment": "angry"}, "sentiment"),
    ("queue status bogus", "/v1/moderation/queue", {"status": "bogus"}, "status.0"),
    ("queue limit huge", "/v1/moderation/queue", {"limit": "100000"}, "limit"),
]


@pytest.mark.parametrize(("name", "path", "params", "field"), QUERY_CASES, ids=lambda v: str(v))
def test_bad_query_is_refused_naming_the_field(
    client: TestClient,
    tenant: Callable[..., TenantKey],
    name: str,
    path: str,
    params: dict[str, str],
    field: str,
) -> None:
    key = tenant()
    r = client.get(path, params=params, headers=key.headers)
    assert r.status_code == 422, (name, r.text)
    assert r.json()["error"]["field"] == field, (name, r.json())


def test_huge_cursor_number_is_refused(
    client: TestClient, tenant: Callable[..., TenantKey]
) -> None:
    import base64

    key = tenant()
    cursor = base64.urlsafe_b64encode(json.dumps({"s": 10**30}).encode()).decode().rstrip("=")
    r = client.get("/v1/answers", params={"cursor": cursor}, headers=key.headers)
    assert r.status_code == 422 and r.json()["error"]["field"] == "cursor"


@pytest.mark.parametrize(
    "raw",
    [b'{"text": "ok",', b"not json", b'{"text": "a"}garbage', b"\xff\xfe{}"],
    ids=["truncated", "not json", "trailing", "bad utf-8"],
)
def test_malformed_json_is_a_400_on_the_body(
    client: TestClient, tenant: Callable[..., TenantKey], raw: bytes
) -> None:
    key = tenant()
    headers = {**key.headers, "Content-Type": "application/json"}
    r = client.post("/v1/answers", content=raw, headers=headers)
    assert r.status_code in (400, 422), r.text
    error = r.json()["error"]
    assert error["field"] in ("body", None) and not str(error["field"]).isdigit()
    assert _count(client, key) == 0


def test_bad_thread_and_post_inputs(client: TestClient, tenant: Callable[..., TenantKey]) -> None:
    key = tenant()
    r = client.post("/v1/threads", json={"title": "a\u0000"}, headers=key.headers)
    assert r.status_code == 422 and r.json()["error"]["field"] == "title"
    thread = client.post("/v1/threads", json={"title": "App"}, headers=key.headers).json()
    r = client.post(
        f"/v1/threads/{thread['id']}/posts", json={"text": "x\u0000"}, headers=key.headers
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "text"
    r = _post(
        client, "/v1/moderation/items/ans_x/decision", {"action": "hide", "note": "a\ud800"}, key
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "note"
