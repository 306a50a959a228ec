"""The micro-batching queue on its own, with a blocking function standing in for the model."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from nlp_service.errors import InvalidInput, Overloaded
from nlp_service.services.batching import MicroBatcher


def test_concurrent_submits_share_batches() -> None:
    calls: list[int] = []

    def model(items: list[int]) -> list[int]:
        calls.append(len(items))
        time.sleep(0.02)  # blocking, like a model call
        return [i * 2 for i in items]

    async def main() -> list[int]:
        batcher = MicroBatcher(model, max_size=8, max_wait_ms=20, max_queue=100)
        batcher.start()
        results = await asyncio.gather(*(batcher.submit(i) for i in range(32)))
        await batcher.close()
        return list(results)

    assert asyncio.run(main()) == [i * 2 for i in range(32)]
    assert max(calls) == 8 and sum(calls) == 32 and len(calls) <= 6


def test_full_queue_is_refused_immediately() -> None:
    release = threading.Event()

    def model(items: list[int]) -> list[int]:
        release.wait(5)
        return items

    async def main() -> None:
        batcher = MicroBatcher(model, max_size=1, max_wait_ms=0, max_queue=2)
        batcher.start()
        first = asyncio.ensure_future(batcher.submit(0))
        await asyncio.sleep(0.05)  # item 0 is inside the model now
        queued = [asyncio.ensure_future(batcher.submit(i)) for i in (1, 2)]
        await asyncio.sleep(0.01)
        assert batcher.depth == 3
        with pytest.raises(Overloaded):
            await batcher.submit(3)
        release.set()
        assert await first == 0 and [await q for q in queued] == [1, 2]
        await batcher.close()

    asyncio.run(main())


def test_close_drains_queued_and_in_flight_work() -> None:
    def model(items: list[int]) -> list[int]:
        time.sleep(0.05)
        return items

    async def main() -> None:
        batcher = MicroBatcher(model, max_size=2, max_wait_ms=1, max_queue=100)
        batcher.start()
        pending = [asyncio.ensure_future(batcher.submit(i)) for i in range(10)]
        await asyncio.sleep(0.01)
        await batcher.close()  # returns only after every accepted item has its result
        assert all(p.done() for p in pending)
        assert [p.result() for p in pending] == list(range(10))
        with pytest.raises(Overloaded):
            await batcher.submit(99)

    asyncio.run(main())


def test_one_bad_item_does_not_fail_its_batch() -> None:
    def model(items: list[int]) -> list[int]:
        if -1 in items:
            raise InvalidInput("bad item", field="text")
        return items

    async def main() -> None:
        batcher = MicroBatcher(model, max_size=10, max_wait_ms=20, max_queue=100)
        batcher.start()
        results = await asyncio.gather(
            *(batcher.submit(i) for i in (1, -1, 3)), return_exceptions=True
        )
        await batcher.close()
        assert results[0] == 1 and results[2] == 3
        assert isinstance(results[1], InvalidInput)

    asyncio.run(main())


def test_batches_hold_what_queued_while_the_model_was_busy() -> None:
    """Continuous batching: no waiting for company on an idle model (the first item goes
    alone), and the items that arrived meanwhile form the next batch."""
    calls: list[list[int]] = []
    release = threading.Event()

    def model(items: list[int]) -> list[int]:
        calls.append(list(items))
        release.wait(5)
        return items

    async def main() -> None:
        batcher = MicroBatcher(model, max_size=64, max_wait_ms=0, max_queue=100)
        batcher.start()
        first = asyncio.ensure_future(batcher.submit(0))
        await asyncio.sleep(0.05)
        assert calls == [[0]]  # dispatched at once, alone
        rest = [asyncio.ensure_future(batcher.submit(i)) for i in range(1, 6)]
        await asyncio.sleep(0.05)
        release.set()
        assert await first == 0 and [await r for r in rest] == [1, 2, 3, 4, 5]
        await batcher.close()

    asyncio.run(main())
    assert calls == [[0], [1, 2, 3, 4, 5]]


def test_items_collect_while_a_caller_batch_holds_the_model() -> None:
    """While run_many holds the model thread, single items arriving one by one (no
    max_wait) gather into one batch instead of queueing as many small ones behind it."""
    calls: list[list[int]] = []
    release = threading.Event()

    def model(items: list[int]) -> list[int]:
        calls.append(list(items))
        if items[0] >= 100:
            release.wait(5)
        return items

    async def main() -> None:
        batcher = MicroBatcher(model, max_size=64, max_wait_ms=0, max_queue=100)
        batcher.start()
        big = asyncio.ensure_future(batcher.run_many([100, 101]))
        await asyncio.sleep(0.02)
        singles = []
        for i in range(4):
            singles.append(asyncio.ensure_future(batcher.submit(i)))
            await asyncio.sleep(0.02)
        release.set()
        assert list(await big) == [100, 101]
        assert [await s for s in singles] == [0, 1, 2, 3]
        await batcher.close()

    asyncio.run(main())
    assert calls == [[100, 101], [0, 1, 2, 3]]
