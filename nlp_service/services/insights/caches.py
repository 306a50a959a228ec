"""The process's caches: computed views, per-filter tables and each tenant's answers."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class TableCache:
    """A thread-safe LRU of computed values (at most `maxsize`)."""

    def __init__(self, maxsize: int = 32) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def get_or_make(self, key: Any, make: Callable[[], T]) -> T:
        found = self.get(key)
        if found is not None:
            return found
        value = make()
        self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# Computed views (small), keyed on the tenant's data version, catalog, filters and options.
CACHE = TableCache(maxsize=64)
# Per-filter selections and theme tables (arrays as large as the selection: few of them).
TABLES = TableCache(maxsize=8)
# Each tenant's answers and (answer, theme) pairs, kept up to date by data version.
DATA = TableCache(maxsize=16)


def cached(cache: TableCache | None, key: tuple[Any, ...], make: Callable[[], T]) -> T:
    return make() if cache is None else cache.get_or_make(key, make)


def tables(cache: TableCache | None) -> TableCache | None:
    """Where a view's selections and tables go: nowhere when the view is not cached."""
    return None if cache is None else TABLES


def clear_caches(data: bool = True) -> None:
    """Forget computed views and tables (and, with `data`, the tenants' answers in memory)."""
    CACHE.clear()
    TABLES.clear()
    if data:
        DATA.clear()
