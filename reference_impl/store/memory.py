"""In-process store with etcd semantics (the default backend)."""

from __future__ import annotations

import bisect
import copy
import itertools
import threading
from collections import deque
from collections.abc import Iterator
from typing import Any

from .base import Compacted, Event, KeyValue, RevisionConflict, Store, Watch

HISTORY = 100_000  # events kept for watchers that start from an older revision


class MemoryStore(Store):
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._data: dict[str, KeyValue] = {}
        self._keys: list[str] = []  # sorted, for prefix ranges
        self._revision = 0
        self._history: deque[Event] = deque(maxlen=HISTORY)
        self._closed = False

    @property
    def revision(self) -> int:
        return self._revision

    def get(self, key: str) -> KeyValue | None:
        with self._lock:
            kv = self._data.get(key)
            return None if kv is None else _copy(kv)

    def range(self, prefix: str) -> tuple[list[KeyValue], int]:
        with self._lock:
            start = bisect.bisect_left(self._keys, prefix)
            out = []
            for key in self._keys[start:]:
                if not key.startswith(prefix):
                    break
                out.append(_copy(self._data[key]))
            return out, self._revision

    def put(
        self,
        key: str,
        value: Any,
        *,
        expect_mod_revision: int | None = None,
        ttl: int | None = None,
    ) -> KeyValue:
        with self._lock:
            old = self._data.get(key)
            _check(key, old, expect_mod_revision)
            kv = self._apply_put(key, copy.deepcopy(value))
            return _copy(kv)

    def delete(self, key: str, *, expect_mod_revision: int | None = None) -> KeyValue | None:
        with self._lock:
            old = self._data.get(key)
            _check(key, old, expect_mod_revision)
            if old is None:
                return None
            self._apply_delete(key)
            return old

    def _apply_put(self, key: str, value: Any, revision: int | None = None) -> KeyValue:
        """Record a put; called with the lock held."""
        self._revision = revision or self._revision + 1
        old = self._data.get(key)
        if old is None:
            bisect.insort(self._keys, key)
            kv = KeyValue(key, value, self._revision, self._revision, 1)
        else:
            kv = KeyValue(key, value, old.create_revision, self._revision, old.version + 1)
        self._data[key] = kv
        self._history.append(Event("put", key, value, self._revision, kv.create_revision))
        self._lock.notify_all()
        return kv

    def _apply_delete(self, key: str, revision: int | None = None) -> None:
        """Record a delete; called with the lock held."""
        self._revision = revision or self._revision + 1
        del self._data[key]
        self._keys.pop(bisect.bisect_left(self._keys, key))
        self._history.append(Event("delete", key, None, self._revision))
        self._lock.notify_all()

    def watch(self, prefix: str, start_revision: int) -> Watch:
        return _MemoryWatch(self, prefix, start_revision)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()


class _MemoryWatch(Watch):
    def __init__(self, store: MemoryStore, prefix: str, start_revision: int) -> None:
        self._store, self._prefix, self._next = store, prefix, max(start_revision, 1)
        self._cancelled = False
        oldest = store._history[0].revision if store._history else store.revision + 1
        if self._next < oldest and self._next <= store.revision:
            raise Compacted(oldest - 1)

    def __iter__(self) -> Iterator[Event]:
        store = self._store
        while True:
            with store._lock:
                while not self._cancelled and not store._closed and store.revision < self._next:
                    store._lock.wait()
                if self._cancelled or store._closed:
                    return
                history = store._history
                oldest = history[0].revision
                if self._next < oldest:
                    raise Compacted(oldest - 1)
                # revisions are dense in the history, so the index is an offset
                batch = list(itertools.islice(history, self._next - oldest, None))
                self._next = store.revision + 1
            for event in batch:
                if event.key.startswith(self._prefix):
                    yield event

    def cancel(self) -> None:
        with self._store._lock:
            self._cancelled = True
            self._store._lock.notify_all()


def _check(key: str, old: KeyValue | None, expected: int | None) -> None:
    if expected is None:
        return
    actual = 0 if old is None else old.mod_revision
    if actual != expected:
        raise RevisionConflict(key, expected, actual)


def _copy(kv: KeyValue) -> KeyValue:
    return KeyValue(kv.key, copy.deepcopy(kv.value), kv.create_revision, kv.mod_revision, kv.version)
