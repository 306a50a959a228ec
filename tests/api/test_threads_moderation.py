"""Forum threads and posts, the moderation queue, decisions and the audit log."""

from __future__ import annotations

import pytest
import sqlalchemy.exc
from fastapi.testclient import TestClient


def test_thread_posts_queue_and_decisions(client: TestClient, tenant, db) -> None:
    key = tenant()
    h = key.headers
    thread = client.post(
        "/v1/threads", json={"title": "Neue App-Version", "touchpoint": "app"}, headers=h
    )
    assert thread.status_code == 201
    tid = thread.json()["id"]
    texts = [
        "Die neue Version gefällt mir gut.",
        "Seit dem Update stürzt die App ab, bitte dringend beheben.",
        "Ihr seid Idioten, das ist Betrug!",
    ]
    posts = []
    for i, text in enumerate(texts):
        r = client.post(
            f"/v1/threads/{tid}/posts",
            headers=h,
            json={"text": text, "author": f"u{i}", "external_id": f"fp{i}"},
        )
        assert r.status_code == 201, r.text
        assert r.json()["thread_id"] == tid
        posts.append(r.json())
    # Idempotent posts, like answers.
    again = client.post(
        f"/v1/threads/{tid}/posts",
        headers=h,
        json={"text": texts[0], "author": "u0", "external_id": "fp0"},
    )
    assert again.status_code == 200 and again.json()["id"] == posts[0]["id"]
    # A flagged answer too, less severe than the abusive post.
    answer = client.post(
        "/v1/answers",
        headers=h,
        json={"text": "Ich kündige meinen Vertrag.", "language": "de", "touchpoint": "billing"},
    ).json()
    assert answer["flags"], answer

    got = client.get(f"/v1/threads/{tid}", headers=h).json()
    assert [p["id"] for p in got["posts"]] == [p["id"] for p in posts]

    queue = client.get("/v1/moderation/queue", headers=h).json()["items"]
    ids = [item["id"] for item in queue]
    assert posts[2]["id"] in ids and answer["id"] in ids and posts[0]["id"] not in ids
    severities = [item["max_severity"] for item in queue]
    assert severities == sorted(severities, reverse=True)
    abusive = next(item for item in queue if item["id"] == posts[2]["id"])
    assert abusive["max_severity"] == 3 and any(r.startswith("abuse:") for r in abusive["reasons"])
    assert abusive["thread"]["title"] == "Neue App-Version"
    assert [p["id"] for p in abusive["thread"]["previous_posts"]] == [
        posts[0]["id"],
        posts[1]["id"],
    ]

    hide = client.post(
        f"/v1/moderation/items/{posts[2]['id']}/decision",
        headers=h,
        json={"action": "hide", "note": "insult"},
    )
    assert hide.status_code == 200, hide.text
    audit = hide.json()["audit"]
    assert hide.json()["hidden"] is True and audit["action"] == "hide"
    assert audit["before"] == {"moderation_status": "pending", "is_hidden": False}
    assert audit["after"] == {"moderation_status": "hidden", "is_hidden": True}
    # The audit log names the key (a tenant's first key is "<tenant name>-initial").
    assert audit["actor"].endswith("-initial") and audit["actor"] not in key.key
    esc = client.post(
        f"/v1/moderation/items/{answer['id']}/decision", headers=h, json={"action": "escalate"}
    )
    assert esc.json()["status"] == "escalated"
    queue = client.get("/v1/moderation/queue", headers=h).json()["items"]
    assert [i["id"] for i in queue if i["id"] in (posts[2]["id"], answer["id"])] == [answer["id"]]
    approve = client.post(
        f"/v1/moderation/items/{answer['id']}/decision",
        headers=h,
        json={"action": "approve", "note": "handled by CS"},
    )
    assert approve.json()["status"] == "approved"
    trail = client.get(f"/v1/moderation/items/{answer['id']}/audit", headers=h).json()
    assert [t["action"] for t in trail] == ["approve", "escalate"]

    # Hidden items are excluded from the thread view and lists, and flagged in the row.
    assert posts[2]["id"] not in [
        p["id"] for p in client.get(f"/v1/threads/{tid}", headers=h).json()["posts"]
    ]
    (hidden,) = db("SELECT is_hidden FROM entries WHERE id = :i", {"i": posts[2]["id"]})[0]
    assert hidden
    bad = client.post(
        f"/v1/moderation/items/{answer['id']}/decision", headers=h, json={"action": "delete"}
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "action"


def test_hidden_answers_leave_lists(client: TestClient, tenant) -> None:
    h = tenant().headers
    a = client.post(
        "/v1/answers", headers=h, json={"text": "Ihr Idioten!", "language": "de"}
    ).json()
    assert [x["id"] for x in client.get("/v1/answers", headers=h).json()["items"]] == [a["id"]]
    client.post(f"/v1/moderation/items/{a['id']}/decision", headers=h, json={"action": "hide"})
    assert client.get("/v1/answers", headers=h).json()["items"] == []
    assert client.get(f"/v1/answers/{a['id']}", headers=h).json()["moderation"]["hidden"] is True


def test_audit_log_is_append_only(client: TestClient, tenant, db_url: str) -> None:
    from sqlalchemy import text

    from nlp_service.store import make_engine

    h = tenant().headers
    a = client.post("/v1/answers", headers=h, json={"text": "Idioten!", "language": "de"}).json()
    client.post(f"/v1/moderation/items/{a['id']}/decision", headers=h, json={"action": "hide"})
    engine = make_engine(db_url)
    try:
        for sql in (
            "UPDATE moderation_audit SET note = 'x' WHERE entry_id = :i",
            "DELETE FROM moderation_audit WHERE entry_id = :i",
        ):
            with pytest.raises(sqlalchemy.exc.DatabaseError), engine.begin() as conn:
                conn.execute(text(sql), {"i": a["id"]})
    finally:
        engine.dispose()
