"""The config feed: changes applied fast and atomically, in-flight requests kept, store
outages ridden out, compaction answered by a fresh list."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx

from reference_impl.store.base import Compacted, Event, StoreUnavailable, Watch
from reference_impl.store.memory import MemoryStore

from .support import Gateway


def test_config_change_applied_within_100ms(gateway, upstreams):
    up = upstreams("a")
    gateway.put(
        "routes",
        "1",
        {"uri": "/first", "upstream": {"type": "roundrobin", "nodes": {up.address: 1}}},
    )
    assert gateway.wait_config() < 0.1
    with httpx.Client(base_url=gateway.url) as client:
        assert client.get("/first").status_code == 200
        started = time.monotonic()
        gateway.put(
            "routes",
            "2",
            {"uri": "/second", "upstream": {"type": "roundrobin", "nodes": {up.address: 1}}},
        )
        while client.get("/second").status_code != 200:
            assert time.monotonic() - started < 1.0
        assert time.monotonic() - started < 0.1


def test_in_flight_request_survives_config_change(gateway, upstreams):
    up = upstreams("a")
    up.behave = lambda request: (200, 0.4, None)
    gateway.put(
        "routes",
        "1",
        {"uri": "/slow", "upstream": {"type": "roundrobin", "nodes": {up.address: 1}}},
    )
    gateway.wait_config()
    result: dict = {}
    thread = threading.Thread(
        target=lambda: result.update(r=httpx.get(gateway.url + "/slow", timeout=5))
    )
    thread.start()
    deadline = time.monotonic() + 5
    while not up.requests:  # the request is at the upstream now
        assert time.monotonic() < deadline
        time.sleep(0.005)
    gateway.delete("routes", "1")  # the route goes away while the request is upstream
    gateway.wait_config()
    assert httpx.get(gateway.url + "/slow").status_code == 404
    thread.join(5)
    assert result["r"].status_code == 200
    assert result["r"].json()["upstream"] == "a"


class FlakyStore(MemoryStore):
    """A memory store that can be made unreachable, and can answer one watch with Compacted."""

    def __init__(self) -> None:
        super().__init__()
        self.down = threading.Event()
        self.compact_next_watch = False
        self.lists = 0

    def range(self, prefix: str):
        if self.down.is_set():
            raise StoreUnavailable("store is down")
        self.lists += 1
        return super().range(prefix)

    def watch(self, prefix: str, start_revision: int) -> Watch:
        if self.down.is_set():
            raise StoreUnavailable("store is down")
        if self.compact_next_watch:
            self.compact_next_watch = False
            raise Compacted(start_revision)
        return _FlakyWatch(self, super().watch(prefix, start_revision))


class _FlakyWatch(Watch):
    def __init__(self, store: FlakyStore, inner: Watch) -> None:
        self.store, self.inner = store, inner

    def __iter__(self) -> Iterator[Event]:
        for event in self.inner:
            if self.store.down.is_set():
                raise StoreUnavailable("store went away")
            yield event

    def cancel(self) -> None:
        self.inner.cancel()


def test_store_outage_keeps_serving_and_catches_up(upstreams):
    up = upstreams("a")
    store = FlakyStore()
    gw = Gateway(store=store)
    try:
        gw.put(
            "routes",
            "1",
            {"uri": "/a", "upstream": {"type": "roundrobin", "nodes": {up.address: 1}}},
        )
        gw.wait_config()
        store.down.set()
        gw.put(
            "routes",
            "2",
            {"uri": "/b", "upstream": {"type": "roundrobin", "nodes": {up.address: 1}}},
        )  # wakes the watch, which fails
        time.sleep(0.3)
        assert gw.worker.feed.connected is False
        assert httpx.get(gw.url + "/a").status_code == 200  # last config still served
        store.down.clear()
        deadline = time.monotonic() + 5
        while httpx.get(gw.url + "/b").status_code != 200:
            assert time.monotonic() < deadline, "the change made during the outage never arrived"
            time.sleep(0.05)
        assert gw.worker.feed.connected is True
    finally:
        gw.stop()


def test_compacted_watch_lists_again(upstreams):
    up = upstreams("a")
    store = FlakyStore()
    store.compact_next_watch = True
    gw = Gateway(store=store)
    try:
        gw.put(
            "routes",
            "1",
            {"uri": "/a", "upstream": {"type": "roundrobin", "nodes": {up.address: 1}}},
        )
        gw.wait_config()
        assert store.lists >= 2
        assert httpx.get(gw.url + "/a").status_code == 200
    finally:
        gw.stop()
