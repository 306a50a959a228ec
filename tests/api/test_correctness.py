"""Fixes from the service review, each with a test that failed before the fix."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import event

from nlp_service.analysis.privacy import redact
from tests.conftest import TenantKey


def test_offsets_point_into_the_text_a_keep_raw_tenant_is_shown(
    client: TestClient, tenant: Callable[..., TenantKey]
) -> None:
    key = tenant(keep_raw=True)
    text = "Mail an max.mustermann@example.com. Ich kündige zum Monatsende, ihr Betrüger!"
    body = client.post("/v1/answers", json={"text": text, "language": "de"}, headers=key.headers)
    assert body.status_code == 201, body.text
    answer = body.json()
    assert answer["text"] == text and answer["text_is_raw"]
    for seg in answer["segments"]:
        shown = text[seg["start"] : seg["end"]]
        # The segment text is the redacted one; its offsets cover the raw span it came from.
        assert redact(shown).text.strip() == seg["text"], (shown, seg)
    for flag in answer["flags"]:
        if flag["start"] is not None:
            assert text[flag["start"] : flag["end"]].lower() == flag["reason"].lower(), flag


def test_redaction_maps_offsets_back() -> None:
    text = "Ruf an: 0171 1234567 oder max@example.com, danke"
    red = redact(text)
    i = red.text.index("danke")
    assert text[red.to_original(i) :] == "danke"
    phone = red.text.index("[PHONE]")
    start, end = red.to_original(phone), red.to_original(phone + len("[PHONE]"), end=True)
    assert text[start:end] == "0171 1234567"
    inside = red.to_original(phone + 2)
    assert inside == start  # an offset inside a placeholder maps to the value's start


def test_concurrent_decisions_chain_their_audit_records(
    client: TestClient, tenant: Callable[..., TenantKey]
) -> None:
    """Two moderators deciding on one item at once: each audit record's `before` is the state
    the previous record left (they used to read the same state on SQLite)."""
    key = tenant()
    answer = client.post(
        "/v1/answers", json={"text": "Ihr Idioten, ich kündige!", "language": "de"},
        headers=key.headers,
    ).json()  # fmt: skip
    actions = ["hide", "approve", "escalate", "hide", "approve", "escalate"] * 2
    barrier = threading.Barrier(len(actions))

    def decide(action: str) -> None:
        barrier.wait()
        r = client.post(
            f"/v1/moderation/items/{answer['id']}/decision", json={"action": action},
            headers=key.headers,
        )  # fmt: skip
        assert r.status_code == 200, r.text

    threads = [threading.Thread(target=decide, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    audit = client.get(f"/v1/moderation/items/{answer['id']}/audit", headers=key.headers).json()
    chain = sorted(audit, key=lambda r: r["id"])
    assert len(chain) == len(actions)
    assert chain[0]["before"] == {"moderation_status": "pending", "is_hidden": False}
    for previous, record in itertools.pairwise(chain):
        assert record["before"] == previous["after"], (previous, record)


def test_queue_context_needs_no_query_per_item(
    client: TestClient, tenant: Callable[..., TenantKey], db_url: str
) -> None:
    key = tenant()
    thread = client.post("/v1/threads", json={"title": "Forum"}, headers=key.headers).json()
    for i in range(8):
        client.post(
            f"/v1/threads/{thread['id']}/posts",
            json={"text": f"Beitrag {i}: ihr seid Idioten", "language": "de"},
            headers=key.headers,
        )
    engine = client.app.state.service.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        queue = client.get("/v1/moderation/queue", headers=key.headers).json()["items"]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(queue) == 8
    assert [p["text"][:10] for p in queue[-1]["thread"]["previous_posts"]] == [
        "Beitrag 4:", "Beitrag 5:", "Beitrag 6:"
    ]  # fmt: skip
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 6, selects  # key lookup may be cached; never one per item
