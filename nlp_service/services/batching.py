"""Micro-batching: single requests that arrive together share one model call.

A bounded asyncio queue feeds one worker that runs the blocking function in a dedicated thread
(model calls never run on the event loop, and never two at once). Batching is continuous, as in
text-embeddings-inference: a batch goes to the model as soon as the model is free, and holds what
queued up while the previous call ran, up to `max_size` items (and, with a `cost` function, up to
`max_cost` units of work, e.g. characters: a batch of long reviews is as big as its texts, not its
count). A lone request on an idle model is not held back waiting for company; under load the
batches grow by themselves. While a caller's own batch (`run_many`) holds the model thread, the
queue keeps collecting until the thread is free. `max_wait_ms` (default 0) optionally holds an
idle model's batch that long for more items: latency traded for fuller batches. A full queue
raises Overloaded at once instead of piling up; `close()` stops intake and finishes what is
queued. The ingest service uses the same queue for its database work (group commit of concurrent
single requests, services/ingest.py), on threads of its own (`thread_name`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from nlp_service.errors import Overloaded

T = TypeVar("T")
R = TypeVar("R")
X = TypeVar("X")


@dataclass
class _Pending(Generic[T, R]):
    item: T
    future: asyncio.Future[R]
    enqueued: float = field(default_factory=time.perf_counter)


class MicroBatcher(Generic[T, R]):
    def __init__(
        self,
        fn: Callable[[list[T]], Sequence[R]],
        *,
        max_size: int,
        max_wait_ms: float,
        max_queue: int,
        on_batch: Callable[[int, float], None] | None = None,
        retry_after_s: int = 1,
        cost: Callable[[T], int] | None = None,
        max_cost: int | None = None,
        thread_name: str = "model",
    ) -> None:
        self.fn = fn
        self.cost = cost
        self.max_cost = max_cost
        self.max_size = max(1, max_size)
        self.max_wait = max(0.0, max_wait_ms) / 1000
        self.retry_after_s = retry_after_s
        self.on_batch = on_batch  # (batch size, seconds in the model) for metrics
        self._queue: asyncio.Queue[_Pending[T, R]] = asyncio.Queue(maxsize=max(1, max_queue))
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=thread_name)
        self._worker: asyncio.Task[None] | None = None
        self._closing = False
        self._in_flight = 0
        self._shared = 0  # run_many calls holding (or waiting for) the model thread
        self._model_free = asyncio.Event()
        self._model_free.set()

    @property
    def depth(self) -> int:
        """Items waiting plus items in the model right now."""
        return self._queue.qsize() + self._in_flight

    def start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._run(), name="batcher")

    async def submit(self, item: T) -> R:
        if self._closing:
            raise Overloaded("the service is shutting down", code="shutting_down")
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        try:
            self._queue.put_nowait(_Pending(item, future))
        except asyncio.QueueFull:
            raise Overloaded(
                f"the analysis queue is full ({self._queue.maxsize} waiting); retry shortly"
            ) from None
        return await future

    async def run_many(self, items: list[T]) -> Sequence[R]:
        """A caller that already has a batch skips the queue but shares the model thread."""
        if self._closing:
            raise Overloaded("the service is shutting down", code="shutting_down")
        loop = asyncio.get_running_loop()
        self._shared += 1
        self._model_free.clear()
        try:
            return await loop.run_in_executor(self._executor, self._timed, items)
        finally:
            self._shared -= 1
            if self._shared == 0:
                self._model_free.set()

    def run_blocking(self, fn: Callable[[], X]) -> X:
        """Run another model call (e.g. encoding a theme's phrases) on the model thread, from a
        worker thread (never from the event loop): the models are never run two at once."""
        if self._closing:
            raise Overloaded("the service is shutting down", code="shutting_down")
        return self._executor.submit(fn).result()

    def _timed(self, items: list[T]) -> Sequence[R]:
        start = time.perf_counter()
        try:
            return self.fn(items)
        finally:
            if self.on_batch is not None:
                self.on_batch(len(items), time.perf_counter() - start)

    async def _collect(self) -> list[_Pending[T, R]]:
        """The next batch: the first waiting item and whatever queued behind it. Waits for more
        only while a `run_many` call holds the model (dispatching now would only queue behind
        it) or, with `max_wait`, for at most that long after the first item."""
        batch = [await self._queue.get()]
        spent = self._cost(batch[0])
        deadline = time.perf_counter() + self.max_wait
        while len(batch) < self.max_size and (self.max_cost is None or spent < self.max_cost):
            try:
                batch.append(self._queue.get_nowait())
                spent += self._cost(batch[-1])
                continue
            except asyncio.QueueEmpty:
                pass
            if self._closing:
                break
            if self._shared:
                item = await self._next_while_busy()
                if item is None:
                    break
                batch.append(item)
                spent += self._cost(item)
                continue
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), remaining))
                spent += self._cost(batch[-1])
            except TimeoutError:
                break
        return batch

    async def _next_while_busy(self) -> _Pending[T, R] | None:
        """The next queued item, or None once the model thread is free."""
        getter = asyncio.ensure_future(self._queue.get())
        free = asyncio.ensure_future(self._model_free.wait())
        try:
            await asyncio.wait({getter, free}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            free.cancel()
            if not getter.done():
                getter.cancel()  # a cancelled get leaves its item in the queue
        with contextlib.suppress(asyncio.CancelledError):
            if getter.done() and not getter.cancelled():
                return getter.result()
        return None

    def _cost(self, pending: _Pending[T, R]) -> int:
        return self.cost(pending.item) if self.cost is not None else 1

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._collect()
            live = [p for p in batch if not p.future.done()]  # callers may have gone away
            self._in_flight = len(live)
            try:
                if live:
                    await self._process(loop, live)
            finally:
                self._in_flight = 0
                for _ in batch:
                    self._queue.task_done()

    async def _process(self, loop: asyncio.AbstractEventLoop, live: list[_Pending[T, R]]) -> None:
        try:
            results = await loop.run_in_executor(
                self._executor, self._timed, [p.item for p in live]
            )
        except Exception as exc:
            if len(live) == 1:
                _fail(live[0].future, exc)
                return
            # One item's failure must not fail its neighbours: retry them one by one.
            for p in live:
                try:
                    (result,) = await loop.run_in_executor(self._executor, self._timed, [p.item])
                    _resolve(p.future, result)
                except Exception as item_exc:
                    _fail(p.future, item_exc)
            return
        for p, result in zip(live, results, strict=True):
            _resolve(p.future, result)

    async def close(self, timeout: float = 30.0) -> None:
        """Stop intake, finish queued and in-flight batches, then stop the worker thread."""
        self._closing = True
        if self._worker is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.join(), timeout)
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        self._executor.shutdown(wait=True)


# A waiter may have been cancelled (its future is done) before its batch finished: skip it.
def _resolve(future: asyncio.Future[R], result: R) -> None:
    if not future.done():
        future.set_result(result)


def _fail(future: asyncio.Future[R], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
