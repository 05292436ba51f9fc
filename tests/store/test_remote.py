"""The store API itself: read-only client, bearer token, bad parameters, heartbeats."""

from __future__ import annotations

import time

import httpx
import pytest

from reference_impl.store import MemoryStore, StoreError
from reference_impl.store.http_api import start_store_api
from reference_impl.store.remote import RemoteStore

from .background import Collector, run_in


@pytest.fixture
def served(event_loop_thread):
    store = MemoryStore()
    api = run_in(event_loop_thread, start_store_api(store, heartbeat=0.2))
    yield store, api
    run_in(event_loop_thread, api.stop())
    store.close()


def test_remote_store_is_read_only(served):
    store, api = served
    remote = RemoteStore(api.url, api.token)
    try:
        with pytest.raises(StoreError, match="read-only"):
            remote.put("/apisix/routes/1", 1)
        with pytest.raises(StoreError, match="read-only"):
            remote.delete("/apisix/routes/1")
        assert store.revision == 0
    finally:
        remote.close()


def test_api_listens_on_loopback_and_requires_the_token(served):
    _, api = served
    assert api.url.startswith("http://127.0.0.1:")
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": api.token}):
        response = httpx.get(api.url + "/range", params={"prefix": "/"}, headers=headers)
        assert response.status_code == 401
        assert "token" in response.json()["error_msg"]
    with pytest.raises(StoreError, match="token"):
        RemoteStore(api.url, "wrong").range("/")


@pytest.mark.parametrize(
    ("path", "params"),
    [("/watch", {"prefix": "/"}), ("/watch", {"start_revision": "x"}), ("/get", {})],
)
def test_bad_parameters_are_a_400_with_an_error_message(served, path, params):
    _, api = served
    response = httpx.get(
        api.url + path, params=params, headers={"Authorization": f"Bearer {api.token}"}
    )
    assert response.status_code == 400
    assert response.json()["error_msg"]


def test_idle_watch_stays_open_through_heartbeats(served):
    store, api = served
    # the client gives up after 0.6 s of silence; heartbeats every 0.2 s keep it alive
    remote = RemoteStore(api.url, api.token, silence_limit=0.6)
    collector = Collector(remote.watch("/apisix/", 1))
    try:
        time.sleep(1.5)
        assert collector.running and collector.error is None
        store.put("/apisix/routes/1", 1)
        assert collector.wait_for(1)[0].key == "/apisix/routes/1"
    finally:
        collector.stop()
        remote.close()


def test_stopping_the_api_ends_its_watch_streams(event_loop_thread):
    store = MemoryStore()
    api = run_in(event_loop_thread, start_store_api(store))
    remote = RemoteStore(api.url, api.token)
    collectors = [Collector(remote.watch("/", 1)) for _ in range(3)]
    started = time.monotonic()
    run_in(event_loop_thread, api.stop())
    assert time.monotonic() - started < 3
    for collector in collectors:
        collector.wait_ended()
    remote.close()
    store.close()
