"""32 clients x 60 s of mixed traffic against the real server (SQLite).

Each client draws its next request at random (seeded per client): a single answer, a batch,
a read of an answer it was told is stored, a filtered list (following the cursor once), the
moderation queue and a decision on one of its items, or a bad input from the bad-input corpus.
Afterwards: no 5xx and no dropped connection at any time, every bad input a 4xx, every read of
an acknowledged answer a 200, and the answers stored are exactly the answers acknowledged.

NLP_SERVICE_LOAD_SECONDS shortens the run for local work; CI runs the full 60 s.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.reliability.conftest import Database, Server, answer_text
from tests.reliability.test_bad_inputs import ANSWER_CASES

CLIENTS = 32
SECONDS = float(os.environ.get("NLP_SERVICE_LOAD_SECONDS", "60"))
# (action, weight): writes dominate, as during a survey wave.
MIX = [
    ("single", 40),
    ("batch", 6),
    ("read", 14),
    ("list", 14),
    ("queue", 10),
    ("bad", 16),
]
BAD_BODIES = [body for _, body, _, _ in ANSWER_CASES]
BAD_RAW = [b'{"text": "ok",', b"not json", b"\xff\xfe{}", b'{"text": "a"}garbage']


@dataclass
class Tally:
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    acked: set[str] = field(default_factory=set)
    answer_ids: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def note(self, action: str, r: httpx.Response, ok: bool) -> None:
        self.statuses[(action, r.status_code)] += 1
        if not ok and len(self.problems) < 20:
            self.problems.append(f"{action}: {r.status_code} {r.text[:300]}")


async def _client(c: int, http: httpx.AsyncClient, tally: Tally, until: float) -> None:
    rng = random.Random(c)
    actions, weights = zip(*MIX, strict=True)
    n = 0
    while time.monotonic() < until:
        n += 1
        action = rng.choices(actions, weights)[0]
        if action == "single":
            eid = f"load/{c}/{n}"
            body = {"external_id": eid, "text": answer_text(c * 10_000 + n), "language": "de"}
            r = await http.post("/v1/answers", json=body)
            tally.note(action, r, r.status_code == 201)
            if r.status_code in (200, 201):
                tally.acked.add(eid)
                tally.answer_ids.append(r.json()["id"])
        elif action == "batch":
            items: list[Any] = [
                {"external_id": f"load/{c}/{n}/{k}", "text": answer_text(c * 10_000 + n + k)}
                for k in range(rng.randint(2, 12))
            ]
            bad_at = rng.randrange(len(items) + 1)  # one bad item now and then, never stored
            if bad_at < len(items):
                items[bad_at] = rng.choice(BAD_BODIES)
            r = await http.post(  # ASCII escapes: bad items may hold a lone surrogate
                "/v1/answers/batch",
                content=json.dumps({"items": items}),
                headers={"Content-Type": "application/json"},
            )
            tally.note(action, r, r.status_code == 200)
            if r.status_code == 200:
                for item, out in zip(items, r.json()["items"], strict=True):
                    if out["status"] in ("created", "existing"):
                        tally.acked.add(item["external_id"])
                    elif "external_id" in item and str(item["external_id"]).startswith("load/"):
                        tally.problems.append(f"good batch item failed: {out}")
        elif action == "read" and tally.answer_ids:
            answer_id = rng.choice(tally.answer_ids)
            r = await http.get(f"/v1/answers/{answer_id}")
            tally.note(action, r, r.status_code == 200)
        elif action == "list":
            params: dict[str, Any] = {"limit": rng.choice([5, 20, 100])}
            params.update(rng.choice([{}, {"language": "de"}, {"sentiment": "negative"}, {}]))
            r = await http.get("/v1/answers", params=params)
            tally.note(action, r, r.status_code == 200)
            cursor = r.json().get("next_cursor") if r.status_code == 200 else None
            if cursor:
                r = await http.get("/v1/answers", params={**params, "cursor": cursor})
                tally.note(action, r, r.status_code == 200)
        elif action == "queue":
            r = await http.get("/v1/moderation/queue", params={"limit": 20})
            tally.note(action, r, r.status_code == 200)
            queued = r.json()["items"] if r.status_code == 200 else []
            if queued and rng.random() < 0.3:
                item = rng.choice(queued)
                decision = {"action": rng.choice(["approve", "hide", "escalate"]), "note": "load"}
                r = await http.post(f"/v1/moderation/items/{item['id']}/decision", json=decision)
                tally.note("decision", r, r.status_code == 200)
        elif action == "bad":
            if rng.random() < 0.8:
                content = json.dumps(rng.choice(BAD_BODIES)).encode()
            else:
                content = rng.choice(BAD_RAW)
            r = await http.post(
                "/v1/answers", content=content, headers={"Content-Type": "application/json"}
            )
            tally.note(action, r, 400 <= r.status_code < 500)


async def _run(server: Server, key: str, seconds: float) -> Tally:
    tally = Tally()
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(
        base_url=server.base,
        headers={"Authorization": f"Bearer {key}"},
        timeout=120,
        limits=limits,
    ) as http:
        until = time.monotonic() + seconds
        await asyncio.gather(*(_client(c, http, tally, until) for c in range(CLIENTS)))
    return tally


@pytest.mark.slow
def test_mixed_load_no_5xx_and_stored_equals_acknowledged(
    sqlite_server: Server, sqlite_db: Database
) -> None:
    tenant_id, key = sqlite_db.tenant_key("ingest,research,moderate")
    started = time.monotonic()
    tally = asyncio.run(_run(sqlite_server, key, SECONDS))
    elapsed = time.monotonic() - started
    total = sum(tally.statuses.values())
    by_action = Counter[str]()
    for (action, _), n in tally.statuses.items():
        by_action[action] += n
    print(
        f"\nload: {CLIENTS} clients, {elapsed:.0f} s, {total} requests ({total / elapsed:.1f}/s), "
        f"{len(tally.acked)} answers acknowledged; {dict(by_action)}; "
        f"statuses {sorted(Counter(s for _, s in tally.statuses.elements()).items())}"
    )
    server_errors = {k: n for k, n in tally.statuses.items() if k[1] >= 500}
    assert not server_errors, (server_errors, tally.problems)
    assert not tally.problems, tally.problems
    # Every kind of traffic really happened.
    assert all(by_action[a] > 0 for a, _ in MIX), by_action
    assert len(tally.acked) >= CLIENTS

    rows = sqlite_db.query(
        "SELECT external_id FROM entries WHERE tenant_id = :t AND kind = 'answer'",
        {"t": tenant_id},
    )
    stored = [eid for (eid,) in rows]
    assert None not in stored, "a bad input without an external_id was stored"
    assert len(stored) == len(set(stored))
    assert set(stored) == tally.acked
    assert "Traceback" not in sqlite_server.log_text()
