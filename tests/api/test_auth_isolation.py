"""Keys and roles (401/403), and tenant isolation: another tenant's id is a 404 everywhere."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import TenantKey

ANSWER = {
    "external_id": "iso-1",
    "text": "Ihr seid Idioten, die Lieferung ist zu spät!",
    "language": "de",
    "touchpoint": "delivery",
}


def test_missing_invalid_and_revoked_style_keys(client: TestClient) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Bearer nlps_" + "x" * 43},
        {"X-API-Key": "nlps_bad"},
    ):
        r = client.get("/v1/answers", headers=headers)
        assert r.status_code == 401, headers
        assert r.json()["error"]["code"] == "unauthorized"


def test_roles(client: TestClient, tenant: Callable[..., TenantKey]) -> None:
    ingest = tenant("ingest")
    research = tenant("research")
    moderate = tenant("moderate")
    admin = tenant("admin")
    # X-API-Key works as well as the bearer header.
    x_key = {"X-API-Key": ingest.key}
    assert client.post("/v1/answers", json=ANSWER, headers=x_key).status_code == 201
    assert client.get("/v1/answers", headers=ingest.headers).status_code == 403
    assert client.post("/v1/answers", json=ANSWER, headers=research.headers).status_code == 403
    assert client.get("/v1/answers", headers=research.headers).status_code == 200
    assert client.get("/v1/moderation/queue", headers=research.headers).status_code == 403
    assert client.get("/v1/moderation/queue", headers=moderate.headers).status_code == 200
    assert client.post("/v1/topics/refit", headers=moderate.headers).status_code == 403
    assert (
        client.post("/v1/threads", json={"title": "t"}, headers=moderate.headers).status_code == 403
    )
    r = client.post("/v1/answers", json=ANSWER, headers=admin.headers)
    assert r.status_code == 201
    assert client.get("/v1/moderation/queue", headers=admin.headers).status_code == 200
    err = client.get("/v1/moderation/queue", headers=ingest.headers).json()["error"]
    assert err["code"] == "forbidden"


def test_other_tenants_ids_are_not_found_everywhere(client: TestClient, tenant) -> None:
    owner, intruder = tenant(), tenant()
    h, other = owner.headers, intruder.headers
    answer = client.post("/v1/answers", json=ANSWER, headers=h).json()
    thread = client.post("/v1/threads", json={"title": "Release"}, headers=h).json()
    post = client.post(f"/v1/threads/{thread['id']}/posts", json={"text": "Idioten!"}, headers=h)
    assert post.status_code == 201
    job = client.post("/v1/topics/refit", json={"params": {"min_size": 2}}, headers=h).json()

    checks = [
        client.get(f"/v1/answers/{answer['id']}", headers=other),
        client.get(f"/v1/threads/{thread['id']}", headers=other),
        client.post(f"/v1/threads/{thread['id']}/posts", json={"text": "hi"}, headers=other),
        client.post(
            f"/v1/moderation/items/{answer['id']}/decision", json={"action": "hide"}, headers=other
        ),
        client.post(
            f"/v1/moderation/items/{post.json()['id']}/decision",
            json={"action": "approve"},
            headers=other,
        ),
        client.get(f"/v1/moderation/items/{answer['id']}/audit", headers=other),
        client.get(f"/v1/jobs/{job['id']}", headers=other),
    ]
    for r in checks:
        assert r.status_code == 404, (r.request.url, r.text)
        assert r.json()["error"]["code"] == "not_found"
    # Lists and queues never show the other tenant's rows.
    assert client.get("/v1/answers", headers=other).json()["items"] == []
    assert client.get("/v1/moderation/queue", headers=other).json()["items"] == []
    # Nothing changed for the owner.
    assert (
        client.get(f"/v1/answers/{answer['id']}", headers=h).json()["moderation"]["hidden"] is False
    )
    # A thread id is not an answer id either.
    assert client.get(f"/v1/answers/{post.json()['id']}", headers=h).status_code == 404
