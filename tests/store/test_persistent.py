"""Durability of the persistent memory store: replay, snapshots, torn logs, kill -9."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from reference_impl.store import Delete, Put, StoreError
from reference_impl.store.persistent import LOG_NAME, SNAPSHOT_NAME, PersistentMemoryStore

from .background import Collector

REPO = Path(__file__).resolve().parents[2]


def _state(store):
    kvs, revision = store.range("")
    return kvs, revision


def _record_offsets(data: bytes) -> list[int]:
    """Where each record of a log starts ([length u32][crc32 u32][payload])."""
    offsets, pos = [], 0
    while pos < len(data):
        offsets.append(pos)
        (length,) = struct.unpack_from(">I", data, pos)
        pos += 8 + length
    return offsets


def _crash(store: PersistentMemoryStore) -> None:
    """Leave the data dir as a killed process would: no snapshot written at close."""
    os.close(store._log_fd)
    store._log_fd = -1
    store._dir_lock.close()


def test_reopen_restores_keys_and_revisions(tmp_path):
    store = PersistentMemoryStore(tmp_path)
    store.put("/apisix/routes/1", {"uri": "/a"})
    store.put("/apisix/routes/1", {"uri": "/b"})
    store.put("/apisix/routes/2", {"uri": "/c"})
    store.delete("/apisix/routes/2")
    store.put("/apisix/upstreams/1", {"type": "roundrobin"})
    before = _state(store)
    store.close()
    reopened = PersistentMemoryStore(tmp_path)
    try:
        assert _state(reopened) == before
        assert reopened.get("/apisix/routes/1").version == 2
        assert reopened.put("/apisix/routes/3", 1).mod_revision == before[1] + 1
    finally:
        reopened.close()


def test_a_commit_is_replayed_whole_and_a_torn_one_not_at_all(tmp_path):
    store = PersistentMemoryStore(tmp_path)
    store.put("/k/old", 0)
    store.commit([Put("/k/a", 1), Put("/k/b", 2), Delete("/k/old")])
    kept = _state(store)
    store.commit([Put("/k/c", 3), Put("/k/d", 4)])
    _crash(store)
    log = tmp_path / LOG_NAME
    data = log.read_bytes()
    last = _record_offsets(data)[-1]
    log.write_bytes(data[: len(data) - 3])  # the second commit's record, cut short
    assert last < len(data) - 3
    reopened = PersistentMemoryStore(tmp_path)
    try:
        assert _state(reopened) == kept
    finally:
        reopened.close()


def test_replayed_log_is_watchable_history(tmp_path):
    """Without a snapshot, reopening replays the log, so watchers can resume from it."""
    store = PersistentMemoryStore(tmp_path)
    first = store.put("/apisix/routes/1", 1)
    store.delete("/apisix/routes/1")
    _crash(store)
    reopened = PersistentMemoryStore(tmp_path)
    collector = Collector(reopened.watch("/apisix/", first.mod_revision))
    try:
        events = collector.wait_for(2)
    finally:
        collector.stop()
        reopened.close()
    assert [(e.type, e.revision) for e in events] == [
        ("put", first.mod_revision),
        ("delete", first.mod_revision + 1),
    ]


def test_snapshots_truncate_the_log(tmp_path):
    store = PersistentMemoryStore(tmp_path, snapshot_every=5)
    for i in range(12):
        store.put(f"/apisix/routes/{i % 4}", {"n": i})
    store.delete("/apisix/routes/0")
    before = _state(store)
    records = _record_offsets((tmp_path / LOG_NAME).read_bytes())
    assert (tmp_path / SNAPSHOT_NAME).exists()
    assert len(records) == 3, "the log holds only the 3 writes since the last snapshot"
    assert not (tmp_path / (SNAPSHOT_NAME + ".tmp")).exists()
    store.close()
    reopened = PersistentMemoryStore(tmp_path, snapshot_every=5)
    try:
        assert _state(reopened) == before
        assert reopened.get("/apisix/routes/1").version == 3
    finally:
        reopened.close()


def test_torn_final_record_is_ignored(tmp_path):
    store = PersistentMemoryStore(tmp_path)
    store.put("/apisix/routes/1", 1)
    store.put("/apisix/routes/2", 2)
    before = _state(store)
    _crash(store)
    log = tmp_path / LOG_NAME
    intact = log.read_bytes()
    last = intact[_record_offsets(intact)[-1] :]
    # a crash mid-append: the header and half the payload of a third record
    log.write_bytes(intact + last[: len(last) // 2])
    reopened = PersistentMemoryStore(tmp_path)
    try:
        assert _state(reopened) == before
        written = reopened.put("/apisix/routes/3", 3)
        assert written.mod_revision == before[1] + 1
    finally:
        reopened.close()
    again = PersistentMemoryStore(tmp_path)
    try:
        assert again.get("/apisix/routes/3").value == 3
    finally:
        again.close()


def test_corruption_before_the_end_of_the_log_is_an_error(tmp_path):
    store = PersistentMemoryStore(tmp_path)
    for i in range(3):
        store.put(f"/apisix/routes/{i}", "x" * 20)
    _crash(store)
    log = tmp_path / LOG_NAME
    data = bytearray(log.read_bytes())
    data[20] ^= 0xFF  # inside the first record's payload
    log.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="corrupt"):
        PersistentMemoryStore(tmp_path)


def test_a_data_dir_is_used_by_one_store_at_a_time(tmp_path):
    store = PersistentMemoryStore(tmp_path)
    try:
        with pytest.raises(StoreError, match="in use"):
            PersistentMemoryStore(tmp_path)
    finally:
        store.close()
    PersistentMemoryStore(tmp_path).close()


def test_expiry_times_are_absolute_across_restarts(tmp_path):
    store = PersistentMemoryStore(tmp_path)
    store.put("/apisix/routes/short", 1, ttl=1)
    store.put("/apisix/routes/long", 2, ttl=60)
    expires = store.expires_at("/apisix/routes/long")
    store.close()
    time.sleep(1.2)  # the short TTL runs out while the store is closed
    reopened = PersistentMemoryStore(tmp_path)
    try:
        deadline = time.monotonic() + 3
        while reopened.get("/apisix/routes/short") is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert reopened.get("/apisix/routes/short") is None
        assert reopened.get("/apisix/routes/long").value == 2
        assert reopened.expires_at("/apisix/routes/long") == expires
    finally:
        reopened.close()


WRITER = textwrap.dedent(
    """
    import sys
    from reference_impl.store.persistent import PersistentMemoryStore

    store = PersistentMemoryStore(sys.argv[1], snapshot_every=25)
    for i in range(100_000):
        written = store.put(f"/apisix/routes/{i}", {"id": str(i), "pad": "x" * 64})
        print(i, written.mod_revision, flush=True)
    """
)


def test_kill_9_loses_no_acknowledged_write(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        text=True,
    )
    acknowledged: dict[int, int] = {}
    try:
        for line in process.stdout:
            index, revision = map(int, line.split())
            acknowledged[index] = revision
            if len(acknowledged) >= 120:  # several snapshots happened along the way
                break
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        process.stdout.close()
    assert len(acknowledged) >= 120, "the writer stopped before being killed"
    store = PersistentMemoryStore(tmp_path)
    try:
        for index, revision in acknowledged.items():
            kv = store.get(f"/apisix/routes/{index}")
            assert kv is not None, f"acknowledged write {index} was lost"
            assert kv.mod_revision == revision
        assert store.revision >= max(acknowledged.values())
    finally:
        store.close()
