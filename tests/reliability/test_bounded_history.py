"""The memory store's change history (kept for watches) is bounded in bytes, not only in
events: big PUTs of one route, then its deletion, keep at most `HISTORY_BYTES`; a watcher
that fell behind what was dropped gets `Compacted`, as etcd's do after a compaction."""

from __future__ import annotations

import time

import pytest

from reference_impl.store import Compacted
from reference_impl.store.memory import HISTORY_BYTES, MemoryStore

MB = 1024 * 1024
KEY = "/apisix/routes/big"


def _route(i: int) -> dict:
    return {"id": "big", "uri": "/big", "desc": f"{i:04d}" + "x" * (MB - 4)}


def test_big_puts_keep_the_history_under_its_byte_bound() -> None:
    store = MemoryStore()
    puts = HISTORY_BYTES // MB + 36  # 100 MB of values for the default 64 MiB bound
    start = time.monotonic()
    first = store.put(KEY, _route(0)).mod_revision
    largest = store.history_bytes
    for i in range(1, puts):
        store.put(KEY, _route(i))
        largest = max(largest, store.history_bytes)
    store.delete(KEY)
    took = time.monotonic() - start
    assert largest <= HISTORY_BYTES
    assert store.history_bytes <= HISTORY_BYTES
    assert store.history_bytes > HISTORY_BYTES - 2 * MB  # as much as fits is still kept

    # a watcher from before what was dropped is told so; a recent one gets every event
    with pytest.raises(Compacted):
        store.watch("/apisix/", first)
    recent = store.revision - 3
    watch = store.watch("/apisix/", recent)
    events = []
    for event in watch:
        events.append(event)
        if event.revision == store.revision:
            break
    watch.cancel()
    assert [e.revision for e in events] == list(range(recent, store.revision + 1))
    assert events[-1].type == "delete" and events[-2].value == _route(puts - 1)
    store.close()
    print(
        f"{puts} PUTs of a 1 MB route then its deletion ({took:.1f}s): history at most "
        f"{largest / MB:.1f} MB, {store.history_bytes / MB:.1f} MB at the end "
        f"(bound {HISTORY_BYTES / MB:.0f} MB)"
    )


def test_a_put_bigger_than_the_bound_is_still_watched() -> None:
    """The newest event always stays, however big: a watcher that keeps up sees it."""
    store = MemoryStore(history_bytes=MB // 2)
    watch = store.watch("/apisix/", store.revision + 1)
    kv = store.put(KEY, _route(1))
    event = next(iter(watch))
    watch.cancel()
    assert event.revision == kv.mod_revision and event.value == _route(1)
    assert store.history_bytes > MB // 2  # only that one event
    store.put("/apisix/routes/small", {"uri": "/small"})
    assert store.history_bytes < 1024  # the big one went as soon as another came
    store.close()
    print(f"an event over the bound: kept alone, {store.history_bytes} bytes after the next")
