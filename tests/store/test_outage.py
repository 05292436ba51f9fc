"""Unavailability: etcd going down and coming back, the control process going away."""

from __future__ import annotations

import pytest

from conformance.providers.etcd_process import free_port
from reference_impl.store import Event, MemoryStore, StoreError, StoreUnavailable
from reference_impl.store.etcd import EtcdStore
from reference_impl.store.http_api import start_store_api
from reference_impl.store.remote import RemoteStore

from .background import Collector, run_in


def test_etcd_store_is_unavailable_while_etcd_is_down(etcd):
    store = EtcdStore([etcd.client_url], timeout=3)
    try:
        written = store.put("/apisix/routes/1", {"uri": "/"})
        collector = Collector(store.watch("/apisix/", written.mod_revision + 1))
        etcd.stop()
        collector.wait_ended()
        assert isinstance(collector.error, StoreUnavailable)
        for call in (
            lambda: store.get("/apisix/routes/1"),
            lambda: store.range("/apisix/"),
            lambda: store.put("/apisix/routes/2", 2),
            lambda: store.delete("/apisix/routes/1"),
            lambda: store.revision,
            lambda: store.watch("/apisix/", 1),
        ):
            with pytest.raises(StoreUnavailable):
                call()
        etcd.start()
        assert store.get("/apisix/routes/1").value == {"uri": "/"}
        assert store.put("/apisix/routes/2", 2).mod_revision == written.mod_revision + 1
    finally:
        store.close()


def test_etcd_store_fails_over_to_the_next_host(shared_etcd):
    dead = f"http://127.0.0.1:{free_port()}"
    store = EtcdStore([dead, shared_etcd.client_url], timeout=3)
    try:
        written = store.put("/failover/k", 1)
        assert store.get("/failover/k") == written
        watching = EtcdStore([dead, shared_etcd.client_url], timeout=3)
        collector = Collector(watching.watch("/failover/", written.mod_revision))
        try:
            assert collector.wait_for(1)[0] == Event(
                "put", "/failover/k", 1, written.mod_revision, written.mod_revision
            )
        finally:
            collector.stop()
            watching.close()
    finally:
        store.close()


def test_etcd_store_rejects_a_bad_host():
    with pytest.raises(StoreError, match="invalid etcd host"):
        EtcdStore(["ftp://example"])


def test_remote_store_over_etcd_follows_an_etcd_outage(etcd, event_loop_thread):
    store = EtcdStore([etcd.client_url], timeout=3)
    api = run_in(event_loop_thread, start_store_api(store, heartbeat=0.5))
    remote = RemoteStore(api.url, api.token, timeout=5)
    try:
        store.put("/apisix/routes/1", 1)
        collector = Collector(remote.watch("/apisix/", store.revision + 1))
        etcd.stop()
        collector.wait_ended()
        assert isinstance(collector.error, StoreUnavailable)
        with pytest.raises(StoreUnavailable):
            remote.range("/apisix/")
        with pytest.raises(StoreUnavailable):
            remote.get("/apisix/routes/1")
        etcd.start()
        kvs, _ = remote.range("/apisix/")
        assert [kv.value for kv in kvs] == [1]
    finally:
        remote.close()
        run_in(event_loop_thread, api.stop())
        store.close()


def test_remote_store_is_unavailable_when_the_control_process_goes_away(event_loop_thread):
    store = MemoryStore()
    api = run_in(event_loop_thread, start_store_api(store, heartbeat=0.5))
    remote = RemoteStore(api.url, api.token, timeout=5)
    try:
        store.put("/apisix/routes/1", 1)
        collector = Collector(remote.watch("/apisix/", 1))
        collector.wait_for(1)
        run_in(event_loop_thread, api.stop())
        collector.wait_ended()
        assert isinstance(collector.error, StoreUnavailable)
        with pytest.raises(StoreUnavailable):
            remote.range("/apisix/")
        with pytest.raises(StoreUnavailable):
            remote.watch("/apisix/", 1)
    finally:
        remote.close()
        store.close()
