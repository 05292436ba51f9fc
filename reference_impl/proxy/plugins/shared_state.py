"""Worker-lifetime state that survives config rebuilds: rate-limit records, Redis clients,
metrics and the log plugins' batch processors.

Like nginx shared dicts, the rate-limit table can be shared by every worker of a node: give
all workers the same `directory` and they share one memory-mapped file, with each
read-modify-write under an exclusive `flock`. Without a directory the table is private to
the process (tests, single worker).
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import mmap
import os
import struct
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ...proxy_cache_zones import DEFAULT_PROXY_CACHE
from .batch_processor import BatchProcessors
from .disk_cache import disk_zones
from .metrics_store import MetricsRecorder
from .proxy_cache import MemoryZone
from .redis_limits import RedisConnections

R = TypeVar("R")
Record = tuple[float, float]
# Receives the live record (None if absent or expired); returns (record and the clock time it
# expires at, or None to leave the table unchanged; the result to hand back).
Updater = Callable[[Record | None], tuple[tuple[Record, float] | None, R]]

_SLOT = struct.Struct("<16sddd")  # key digest, a, b, expires_at
_SLOTS = 65536
_PROBES = 32
_EMPTY = bytes(16)


class MemoryRecordTable:
    """Rate-limit records private to this process."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._records: dict[str, tuple[Record, float]] = {}

    def update(self, key: str, updater: Updater[R]) -> R:
        now = self._clock()
        entry = self._records.get(key)
        current = entry[0] if entry is not None and entry[1] > now else None
        new, result = updater(current)
        if new is not None:
            self._records[key] = new
        if len(self._records) > _SLOTS:
            self._records = {k: v for k, v in self._records.items() if v[1] > now}
        return result


class MappedRecordTable:
    """Rate-limit records in a memory-mapped file shared by the workers of one node."""

    def __init__(self, path: str, clock: Callable[[], float]) -> None:
        self._clock = clock
        size = _SLOT.size * _SLOTS
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            if os.fstat(self._fd).st_size < size:
                os.ftruncate(self._fd, size)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._map = mmap.mmap(self._fd, size)
        self._slots: dict[str, tuple[bytes, int]] = {}  # key -> (digest, first slot), recent

    def close(self) -> None:
        self._map.close()
        os.close(self._fd)

    def update(self, key: str, updater: Updater[R]) -> R:
        known = self._slots.get(key)
        if known is None:
            digest = hashlib.blake2b(key.encode(), digest_size=16).digest()
            known = (digest, int.from_bytes(digest[:4], "little") % _SLOTS)
            if len(self._slots) >= _SLOTS:
                self._slots.clear()
            self._slots[key] = known
        digest, start = known
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            now = self._clock()
            slot, current = self._find(digest, start, now)
            new, result = updater(current)
            if new is not None:
                (a, b), expires_at = new
                _SLOT.pack_into(self._map, slot * _SLOT.size, digest, a, b, expires_at)
            return result
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _find(self, digest: bytes, start: int, now: float) -> tuple[int, Record | None]:
        """The slot holding `digest` (with its live record), else the best slot to reuse."""
        reusable: int | None = None
        oldest = (start, float("inf"))
        for step in range(_PROBES):
            slot = (start + step) % _SLOTS
            stored, a, b, expires = _SLOT.unpack_from(self._map, slot * _SLOT.size)
            if stored == digest:
                return slot, ((a, b) if expires > now else None)
            if stored == _EMPTY:
                return (reusable if reusable is not None else slot), None
            if expires <= now and reusable is None:
                reusable = slot
            if expires < oldest[1]:
                oldest = (slot, expires)
        return (reusable if reusable is not None else oldest[0]), None


class SharedState:
    """What the engine keeps for a worker's lifetime and passes to every `PluginEnv`.

    `directory`: a folder shared by all workers of the node (created by the parent before
    the workers start); `worker_id`: this worker's number, naming its metrics file.
    """

    def __init__(
        self,
        directory: str | None = None,
        worker_id: int = 0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        plugin_attr: dict[str, Any] | None = None,
        proxy_cache: dict[str, Any] | None = None,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.directory = directory
        self.log_batches = BatchProcessors()
        self.plugin_attr = plugin_attr or {}  # config.yaml's plugin_attr, by plugin name
        self.redis = RedisConnections()  # the redis policies' clients, by connection settings
        self._cache_zones: dict[str, MemoryZone] = {}  # proxy-cache's memory zones, by name
        # config.yaml's apisix.proxy_cache: the zones on disk, by name
        self.disk_zones = disk_zones(
            proxy_cache if proxy_cache is not None else DEFAULT_PROXY_CACHE
        )
        self.records: MemoryRecordTable | MappedRecordTable
        if directory is None:
            self.records = MemoryRecordTable(clock)
            self.metrics = MetricsRecorder(None)
        else:
            os.makedirs(directory, exist_ok=True)
            self.records = MappedRecordTable(os.path.join(directory, "ratelimit.shm"), clock)
            self.metrics = MetricsRecorder(os.path.join(directory, f"metrics-{worker_id}.shm"))

    def cache_zone(self, name: str) -> MemoryZone:
        zone = self._cache_zones.get(name)
        if zone is None:
            zone = self._cache_zones[name] = MemoryZone()
        return zone

    def close(self) -> None:
        if isinstance(self.records, MappedRecordTable):
            self.records.close()
        self.metrics.close()
