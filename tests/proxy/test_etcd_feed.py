"""A worker fed by a real etcd: keeps serving while etcd is stopped, catches up after."""

from __future__ import annotations

import time

import httpx

from reference_impl.store.etcd import EtcdStore

from .support import Gateway


def test_etcd_outage_keeps_serving_and_catches_up(etcd, upstreams):
    up = upstreams("a")
    nodes = {"type": "roundrobin", "nodes": {up.address: 1}}
    store = EtcdStore([etcd.client_url], timeout=2)
    gw = Gateway(store=store)
    try:
        gw.put("routes", "1", {"uri": "/a", "upstream": nodes})
        gw.wait_config()
        assert httpx.get(gw.url + "/a").status_code == 200

        etcd.stop()
        deadline = time.monotonic() + 15
        while gw.worker.feed.connected:
            assert time.monotonic() < deadline, "the feed did not notice the outage"
            time.sleep(0.05)
        assert httpx.get(gw.url + "/a").status_code == 200  # the last config keeps serving

        etcd.start()
        writer = EtcdStore([etcd.client_url], timeout=5)
        writer.put("/apisix/routes/2", {"id": "2", "uri": "/b", "upstream": nodes})
        writer.close()
        deadline = time.monotonic() + 15
        while httpx.get(gw.url + "/b").status_code != 200:
            assert time.monotonic() < deadline, "the change after the outage never arrived"
            time.sleep(0.1)
        assert httpx.get(gw.url + "/a").status_code == 200
    finally:
        gw.stop()
