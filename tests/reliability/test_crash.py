"""kill -9 in the middle of ingestion, on SQLite and on PostgreSQL.

Clients send answers with external_ids (singles and small batches) and retry on connection
errors and 5xx until each is acknowledged. Once some answers are in, the server gets SIGKILL
(requests in the model, in a commit, or with their response on the wire are cut off), and is
started again on the same port and database; the clients carry on through the outage. Then:
  0 lost:       every acknowledged external_id is stored;
  0 duplicates: one row per external_id, although requests are sent again after the kill (one
                whose first attempt was committed but whose answer was lost gets 200 "existing");
  no torn rows: every stored answer has its segments (answer and analysis are one transaction).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import pytest

from tests.helpers.server import Database, Server
from tests.reliability.conftest import RetryStats, answer_text, post_until_acknowledged

SINGLE_CLIENTS = 12
ANSWERS_PER_CLIENT = 8
BATCH_CLIENTS = 4
BATCHES_PER_CLIENT = 3
BATCH_SIZE = 6
KILL_AFTER_ACKS = 30  # the kill comes once this many answers are acknowledged
TOTAL = SINGLE_CLIENTS * ANSWERS_PER_CLIENT + BATCH_CLIENTS * BATCHES_PER_CLIENT * BATCH_SIZE
RUN_TIMEOUT_S = 600.0


def _answer(eid: str, i: int) -> dict[str, object]:
    return {
        "external_id": eid,
        "text": answer_text(i),
        "touchpoint": ("delivery", "hotline", "app")[i % 3],
        "kpi": {"type": "nps", "score": i % 11},
    }


async def _ingest_with_a_kill(server: Server, key: str) -> tuple[set[str], RetryStats, int]:
    """(acknowledged external_ids, retry statistics, acknowledged before the kill)."""
    acked: set[str] = set()
    stats = RetryStats()
    deadline = time.monotonic() + RUN_TIMEOUT_S
    limits = httpx.Limits(max_connections=SINGLE_CLIENTS + BATCH_CLIENTS)
    headers = {"Authorization": f"Bearer {key}"}

    async with httpx.AsyncClient(
        base_url=server.base, headers=headers, timeout=120, limits=limits
    ) as http:

        async def singles(c: int) -> None:
            for j in range(ANSWERS_PER_CLIENT):
                i = c * ANSWERS_PER_CLIENT + j
                eid = f"crash/s{c}/{j}"
                await post_until_acknowledged(http, "/v1/answers", _answer(eid, i), stats, deadline)
                acked.add(eid)

        async def batches(c: int) -> None:
            for b in range(BATCHES_PER_CLIENT):
                base = 10_000 + (c * BATCHES_PER_CLIENT + b) * BATCH_SIZE
                items = [_answer(f"crash/b{c}/{b}/{k}", base + k) for k in range(BATCH_SIZE)]
                r = await post_until_acknowledged(
                    http, "/v1/answers/batch", {"items": items}, stats, deadline
                )
                result = r.json()
                assert result["failed"] == 0, result
                for item, out in zip(items, result["items"], strict=True):
                    assert out["status"] in ("created", "existing"), out
                    acked.add(str(item["external_id"]))

        async def killer() -> int:
            while len(acked) < KILL_AFTER_ACKS:
                assert time.monotonic() < deadline, "too slow to reach the kill point"
                await asyncio.sleep(0.05)
            before = len(acked)
            await asyncio.to_thread(server.kill)
            await asyncio.to_thread(server.start)
            return before

        tasks = [asyncio.create_task(singles(c)) for c in range(SINGLE_CLIENTS)]
        tasks += [asyncio.create_task(batches(c)) for c in range(BATCH_CLIENTS)]
        acked_before_kill = await killer()
        await asyncio.gather(*tasks)
    return acked, stats, acked_before_kill


@pytest.mark.slow
def test_sigkill_mid_ingest_loses_and_duplicates_nothing(
    database: Database, make_server: Callable[..., Server]
) -> None:
    tenant_id, key = database.tenant_key("ingest,research")
    server = make_server(database, batch_max_size="8")  # several model calls in flight
    server.start()
    try:
        acked, stats, before_kill = asyncio.run(_ingest_with_a_kill(server, key))
    finally:
        server.stop()
    print(
        f"\ncrash ({database.url.split(':')[0]}): killed after {before_kill} of {TOTAL} "
        f"acknowledged; retries: {stats.transport_errors} connection errors, "
        f"{stats.server_errors} 5xx, {stats.existing} answered 200 (stored before the kill)"
    )
    assert server.starts == 2 and "--- start 2 ---" in server.log_text()
    assert KILL_AFTER_ACKS <= before_kill < TOTAL, "the kill did not come mid-run"
    # The kill cut requests off: the clients saw dropped or refused connections.
    assert stats.transport_errors > 0, stats

    sent = {f"crash/s{c}/{j}" for c in range(SINGLE_CLIENTS) for j in range(ANSWERS_PER_CLIENT)}
    sent |= {
        f"crash/b{c}/{b}/{k}"
        for c in range(BATCH_CLIENTS)
        for b in range(BATCHES_PER_CLIENT)
        for k in range(BATCH_SIZE)
    }
    assert acked == sent  # every client got through in the end

    rows = database.query(
        "SELECT external_id, COUNT(*) FROM entries WHERE tenant_id = :t GROUP BY external_id",
        {"t": tenant_id},
    )
    stored = {eid: n for eid, n in rows}
    lost = acked - stored.keys()
    duplicates = {eid: n for eid, n in stored.items() if n > 1}
    assert not lost, f"{len(lost)} acknowledged answers lost, e.g. {sorted(lost)[:5]}"
    assert not duplicates, f"duplicates: {duplicates}"
    assert len(stored) == TOTAL and set(stored) == sent
    torn = database.query(
        "SELECT COUNT(*) FROM entries e WHERE e.tenant_id = :t AND NOT EXISTS "
        "(SELECT 1 FROM segments s WHERE s.entry_seq = e.seq)",
        {"t": tenant_id},
    )
    assert torn == [(0,)]
    if database.url.startswith("sqlite"):
        assert database.query("PRAGMA integrity_check") == [("ok",)]
