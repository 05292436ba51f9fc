"""In-process store with etcd semantics (the default backend)."""

from __future__ import annotations

import bisect
import copy
import heapq
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

from .. import strict_json
from .base import (
    Compacted,
    Event,
    KeyValue,
    Op,
    Put,
    RevisionConflict,
    Store,
    StoreError,
    Watch,
    encode,
    encoded_puts,
)

HISTORY = 100_000  # events kept for watchers that start from an older revision
# ... and at most this many bytes of them (a value's size is that of its JSON text): 300
# puts of a 1 MB route would otherwise keep 300 MB after the route is deleted
HISTORY_BYTES = 64 * 1024 * 1024
EVENT_OVERHEAD = 64  # bytes counted for an event besides its key and value
_REAP_RETRY = 1.0  # seconds before retrying an expiry whose log write failed


class MemoryStore(Store):
    """Keys, revisions, history and TTLs in memory.

    `history` bounds the events kept for watchers starting in the past, and `history_bytes`
    their size (the newest event is always kept); a watch from an older revision raises
    `Compacted`, as one from a revision etcd has compacted does. Keys written with a `ttl`
    are deleted by a reaper thread when they expire, which watchers see as ordinary delete
    events.
    """

    def __init__(self, *, history: int = HISTORY, history_bytes: int = HISTORY_BYTES) -> None:
        if history < 1:
            raise ValueError("history must keep at least one event")
        if history_bytes < 1:
            raise ValueError("history_bytes must be positive")
        self._lock = threading.Condition()
        self._data: dict[str, KeyValue] = {}
        self._keys: list[str] = []  # sorted, for prefix ranges
        self._revision = 0
        self._history: deque[Event] = deque()
        self._history_sizes: deque[int] = deque()  # bytes of each event of the history
        self._history_limit = history
        self._history_bytes_limit = history_bytes
        self.history_bytes = 0  # what the history holds, in bytes
        self._expiry: dict[str, float] = {}  # key -> absolute expiry time (time.time())
        self._expiry_heap: list[tuple[float, str]] = []
        self._reaper: threading.Thread | None = None
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

    def expires_at(self, key: str) -> float | None:
        """When `key` expires (seconds since the epoch), or None if it has no TTL."""
        with self._lock:
            return self._expiry.get(key)

    def put(
        self,
        key: str,
        value: Any,
        *,
        expect_mod_revision: int | None = None,
        ttl: int | None = None,
    ) -> KeyValue:
        if ttl is not None and not ttl > 0:
            raise StoreError(f"{key}: ttl must be a positive number of seconds, got {ttl!r}")
        encoded = encode(key, value)
        value = json.loads(encoded)  # a deep copy, as the store keeps it
        with self._lock:
            _check(key, self._data.get(key), expect_mod_revision)
            expires_at = None if ttl is None else time.time() + ttl
            self._log_write(
                {
                    "op": "put",
                    "key": key,
                    "value": value,
                    "rev": self._revision + 1,
                    "expires": expires_at,
                }
            )
            return _copy(self._apply_put(key, value, expires_at=expires_at, size=len(encoded)))

    def delete(self, key: str, *, expect_mod_revision: int | None = None) -> KeyValue | None:
        with self._lock:
            old = self._data.get(key)
            _check(key, old, expect_mod_revision)
            if old is None:
                return None
            self._log_write({"op": "delete", "key": key, "rev": self._revision + 1})
            self._apply_delete(key)
            return old

    def commit(self, ops: Sequence[Op]) -> int:
        encoded = encoded_puts(ops)
        with self._lock:
            for op in ops:
                _check(op.key, self._data.get(op.key), op.expect_mod_revision)
            records: list[dict[str, Any]] = []
            for op in ops:
                if isinstance(op, Put):
                    value = json.loads(encoded[op.key])
                    records.append({"op": "put", "key": op.key, "value": value, "expires": None})
                elif op.key in self._data:
                    records.append({"op": "delete", "key": op.key})
            for revision, record in enumerate(records, self._revision + 1):
                record["rev"] = revision
            if not records:
                return self._revision
            self._log_write({"op": "commit", "records": records, "rev": records[-1]["rev"]})
            for record in records:
                if record["op"] == "put":
                    size = len(encoded[record["key"]])
                    self._apply_put(record["key"], record["value"], size=size)
                else:
                    self._apply_delete(record["key"])
            return self._revision

    def _log_write(self, record: dict[str, Any]) -> None:
        """Make a mutation durable before it is applied; called with the lock held.

        The memory store keeps nothing, the persistent store appends to its log.
        """

    def _apply_put(
        self,
        key: str,
        value: Any,
        *,
        expires_at: float | None = None,
        revision: int | None = None,
        size: int | None = None,
    ) -> KeyValue:
        """Record a put (`size`: of the value's JSON text, if known); called with the lock
        held."""
        self._revision = revision or self._revision + 1
        old = self._data.get(key)
        if old is None:
            bisect.insort(self._keys, key)
            kv = KeyValue(key, value, self._revision, self._revision, 1)
        else:
            kv = KeyValue(key, value, old.create_revision, self._revision, old.version + 1)
        self._data[key] = kv
        self._set_expiry(key, expires_at)
        if size is None:
            size = len(strict_json.encode(value))
        self._record(Event("put", key, value, self._revision, kv.create_revision), size)
        self._lock.notify_all()
        return kv

    def _apply_delete(self, key: str, *, revision: int | None = None) -> None:
        """Record a delete; called with the lock held."""
        self._revision = revision or self._revision + 1
        del self._data[key]
        self._keys.pop(bisect.bisect_left(self._keys, key))
        self._expiry.pop(key, None)
        self._record(Event("delete", key, None, self._revision), 0)
        self._lock.notify_all()

    def _record(self, event: Event, value_size: int) -> None:
        """Append to the history, dropping its oldest events past either bound (the newest
        stays, however big); called with the lock held."""
        size = EVENT_OVERHEAD + len(event.key.encode()) + value_size
        self._history.append(event)
        self._history_sizes.append(size)
        self.history_bytes += size
        while len(self._history) > 1 and (
            len(self._history) > self._history_limit
            or self.history_bytes > self._history_bytes_limit
        ):
            self._history.popleft()
            self.history_bytes -= self._history_sizes.popleft()

    def _restore(self, kv: KeyValue, expires_at: float | None) -> None:
        """Load a key from a snapshot (no event); called with the lock held."""
        if kv.key not in self._data:
            bisect.insort(self._keys, kv.key)
        self._data[kv.key] = kv
        self._set_expiry(kv.key, expires_at)

    def _set_expiry(self, key: str, expires_at: float | None) -> None:
        # A put without ttl detaches the key from its old expiry, as a put without a lease
        # does in etcd.
        if expires_at is None:
            self._expiry.pop(key, None)
            return
        self._expiry[key] = expires_at
        heapq.heappush(self._expiry_heap, (expires_at, key))
        if self._reaper is None:
            self._reaper = threading.Thread(
                target=self._reap_expired, name="store-ttl-reaper", daemon=True
            )
            self._reaper.start()

    def _reap_expired(self) -> None:
        with self._lock:
            while not self._closed:
                now = time.time()
                retry_at = None
                while self._expiry_heap and self._expiry_heap[0][0] <= now:
                    expires_at, key = heapq.heappop(self._expiry_heap)
                    if self._expiry.get(key) != expires_at:
                        continue  # rewritten or deleted since; this entry is stale
                    try:
                        self._log_write({"op": "delete", "key": key, "rev": self._revision + 1})
                    except (OSError, StoreError):
                        heapq.heappush(self._expiry_heap, (expires_at, key))
                        retry_at = now + _REAP_RETRY
                        break
                    self._apply_delete(key)
                wake_at = retry_at or (self._expiry_heap[0][0] if self._expiry_heap else None)
                self._lock.wait(None if wake_at is None else max(wake_at - time.time(), 0.001))

    def watch(self, prefix: str, start_revision: int) -> Watch:
        with self._lock:
            return _MemoryWatch(self, prefix, start_revision)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        if self._reaper is not None and self._reaper is not threading.current_thread():
            self._reaper.join(timeout=5)


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
                if self._cancelled:
                    return
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
    return KeyValue(
        kv.key, copy.deepcopy(kv.value), kv.create_revision, kv.mod_revision, kv.version
    )
