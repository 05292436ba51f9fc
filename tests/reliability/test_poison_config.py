"""Poison config: objects in the store that the data plane cannot parse or compile, written
there beside every API, cost only themselves. Every other route keeps being served, while
running and across a restart of the data plane (which once came back with an empty config,
every route 404, until the object was deleted)."""

from __future__ import annotations

import json
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.providers.embedded import ADMIN_KEY, EmbeddedGateway
from conformance.providers.etcd_process import EtcdProcess
from conformance.support.echo_upstream import EchoUpstream
from reference_impl import strict_json
from reference_impl.store import MemoryStore
from reference_impl.store.http_api import start_store_api
from reference_impl.store.persistent import LOG_NAME, PersistentMemoryStore
from reference_impl.store.remote import RemoteStore
from tests.proxy.support import Gateway, LoopThread

from .poison import etcd_raw_put

SERVE_TIMEOUT = 20.0  # seconds for a (re)started data plane to serve its config


def _nodes(echo: EchoUpstream) -> dict[str, Any]:
    return {"type": "roundrobin", "nodes": {f"127.0.0.1:{echo.port}": 1}}


def _uncompilable(echo: EchoUpstream) -> dict[str, Any]:
    """Objects the Admin API would refuse, each of which made the whole config fail to
    build, by key under the prefix."""
    up = _nodes(echo)
    return {
        "routes/bad-priority": {"id": "bad-priority", "uri": "/bad-priority", "priority": "high", "upstream": up},
        "routes/bad-uri": {"id": "bad-uri", "uri": 42, "upstream": up},
        "routes/bad-host": {"id": "bad-host", "uri": "/bad-host", "hosts": [5], "upstream": up},
        "routes/bad-methods": {"id": "bad-methods", "uri": "/bad-methods", "methods": [1], "upstream": up},
        "routes/bad-timeout": {"id": "bad-timeout", "uri": "/bad-timeout", "upstream": {**up, "timeout": {"connect": "soon"}}},
        "routes/bad-plugins": {"id": "bad-plugins", "uri": "/bad-plugins", "plugins": "limit-req", "upstream": up},
        "upstreams/bad-checks": {"id": "bad-checks", **up, "checks": "yes"},
        "routes/uses-bad-upstream": {"id": "uses-bad-upstream", "uri": "/uses-bad-upstream", "upstream_id": "bad-checks"},
        "consumers/bad": {"username": "bad", "plugins": "key-auth"},
        "global_rules/bad": {"id": "bad", "plugins": ["limit-req"]},
    }  # fmt: skip


BAD_PATHS = ("/bad-priority", "/bad-host", "/bad-methods", "/bad-timeout", "/bad-plugins")
BAD_PATHS += ("/uses-bad-upstream", "/not-an-object", "/nan")


def _wait_for(url: str, status: int, timeout: float = SERVE_TIMEOUT) -> float:
    """Seconds until GET `url` answers `status` (fails after `timeout`)."""
    start = time.monotonic()
    last: Any = None
    while time.monotonic() - start < timeout:
        try:
            last = httpx.get(url, timeout=2).status_code
        except httpx.HTTPError as exc:
            last = exc.__class__.__name__
        if last == status:
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"GET {url} never answered {status} in {timeout}s (last: {last})")


def _statuses(base: str, paths: tuple[str, ...]) -> dict[str, int]:
    return {path: httpx.get(base + path, timeout=5).status_code for path in paths}


@pytest.fixture
def echo() -> Iterator[EchoUpstream]:
    with EchoUpstream("good") as server:
        yield server


def test_memory_store_bad_objects_cost_only_themselves_across_a_worker_restart(
    echo: EchoUpstream,
) -> None:
    """The worker reads the control process's memory store through its store API, as the
    gateway's workers do."""
    store = MemoryStore()
    loop = LoopThread()
    api = loop.call(start_store_api(store))
    gateway = None
    try:
        store.put("/apisix/routes/good", {"id": "good", "uri": "/good", "upstream": _nodes(echo)})
        gateway = Gateway(store=RemoteStore(api.url, api.token))
        _wait_for(gateway.url + "/good", 200)

        bad = _uncompilable(echo)
        for key, value in bad.items():
            store.put(f"/apisix/{key}", value)
        # values that are no JSON object: the text of one with NaN, and a list
        store.put("/apisix/routes/not-an-object", '{"uri": "/not-an-object", "rate": NaN}')
        store.put("/apisix/routes/a-list", ["/nan"])
        gateway.wait_config()
        assert httpx.get(gateway.url + "/good").status_code == 200
        assert set(_statuses(gateway.url, BAD_PATHS).values()) == {404}

        gateway.stop()
        gateway = Gateway(store=RemoteStore(api.url, api.token))
        waited = _wait_for(gateway.url + "/good", 200)
        assert set(_statuses(gateway.url, BAD_PATHS).values()) == {404}
        left_out = gateway.worker.plane.snapshot.left_out.reasons
        expected = {key for key in bad if key != "upstreams/bad-checks"}  # its route is left out
        assert expected <= set(left_out), left_out
    finally:
        if gateway is not None:
            gateway.stop()
        loop.call(api.stop(), timeout=15)
        loop.stop()
        store.close()
    print(
        f"poison config (memory): after a worker restart the good route answered 200 in "
        f"{waited:.2f}s; {len(bad) + 2} bad objects, {len(expected)} left out by name, "
        f"{len(BAD_PATHS)} of their paths 404"
    )


def test_etcd_bad_objects_cost_only_themselves_across_a_gateway_restart(
    echo: EchoUpstream, etcd: EtcdProcess, tmp_path: Path
) -> None:
    """The whole gateway on etcd: JSON with NaN or Infinity and text that is no JSON, written
    into etcd by another client, and objects that do not compile."""
    gateway = EmbeddedGateway(tmp_path, etcd_url=etcd.client_url, etcd_prefix="/apisix")
    admin = {"X-API-KEY": ADMIN_KEY}
    up = json.dumps(_nodes(echo))
    gateway.start()
    try:
        route = {"uri": "/good", "upstream": _nodes(echo)}
        answer = httpx.put(
            f"{gateway.admin_url}/apisix/admin/routes/good", json=route, headers=admin
        )
        assert answer.status_code == 201, answer.text
        _wait_for(gateway.data_plane_url + "/good", 200)

        url = etcd.client_url
        limit_req = '{"limit-req": {"rate": NaN, "burst": 1, "key": "remote_addr"}}'
        etcd_raw_put(
            url,
            "/apisix/routes/nan",
            f'{{"uri": "/nan", "plugins": {limit_req}, "upstream": {up}}}',
        )
        etcd_raw_put(url, "/apisix/upstreams/inf", up[:-1] + ', "timeout": {"connect": Infinity}}')
        etcd_raw_put(url, "/apisix/routes/inf", '{"uri": "/inf", "upstream_id": "inf"}')
        etcd_raw_put(url, "/apisix/routes/not-an-object", "not JSON {")
        bad = _uncompilable(echo)
        for key, value in bad.items():
            etcd_raw_put(url, f"/apisix/{key}", json.dumps(value))
        time.sleep(0.5)  # the watch delivers them
        assert httpx.get(gateway.data_plane_url + "/good").status_code == 200

        gateway.stop()
        gateway.start()
        waited = _wait_for(gateway.data_plane_url + "/good", 200)
        statuses = _statuses(gateway.data_plane_url, BAD_PATHS)
        assert set(statuses.values()) == {404}, statuses
        # a good route whose upstream object is unreadable: as with a missing upstream
        assert httpx.get(gateway.data_plane_url + "/inf").status_code == 502
        listed = httpx.get(f"{gateway.admin_url}/apisix/admin/routes", headers=admin)
        assert listed.status_code == 200, listed.text
        assert "/apisix/routes/good" in {item["key"] for item in listed.json()["list"]}
    finally:
        gateway.stop()
    print(
        f"poison config (etcd): after a gateway restart the good route answered 200 in "
        f"{waited:.2f}s; {len(bad) + 4} bad objects in etcd, {len(BAD_PATHS)} of their paths 404"
    )  # fmt: skip


def test_a_data_dir_written_with_nan_still_loads(tmp_path: Path) -> None:
    """A store log written before values had to be strict JSON (NaN in a route): the store
    opens, the value reads back as its text, and the store API can list it."""
    data = tmp_path / "data"
    store = PersistentMemoryStore(data)
    store.put("/apisix/routes/good", {"id": "good", "uri": "/good"})
    revision = store.revision
    store.close()
    legacy = {
        "op": "put",
        "key": "/apisix/routes/nan",
        "value": {"id": "nan", "uri": "/nan", "timeout": {"connect": float("nan")}},
        "rev": revision + 1,
        "expires": None,
    }
    payload = json.dumps(legacy).encode()  # NaN, as `json` writes it
    with open(data / LOG_NAME, "ab") as log:
        log.write(struct.pack(">II", len(payload), zlib.crc32(payload)) + payload)

    store = PersistentMemoryStore(data)
    loop = LoopThread()
    api = loop.call(start_store_api(store))
    try:
        kvs, _ = store.range("/apisix/")
        values = {kv.key: kv.value for kv in kvs}
        assert values["/apisix/routes/good"] == {"id": "good", "uri": "/good"}
        legacy_value = values["/apisix/routes/nan"]
        assert isinstance(legacy_value, str) and "NaN" in legacy_value
        for value in values.values():
            strict_json.encode(value)
        remote = RemoteStore(api.url, api.token)
        listed, _ = remote.range("/apisix/")
        remote.close()
        assert {kv.key for kv in listed} == set(values)
    finally:
        loop.call(api.stop(), timeout=15)
        loop.stop()
        store.close()
    print(f"poison config (data dir): {len(values)} keys load, 1 NaN value read back as text")


def test_a_route_whose_plugin_cannot_be_built_fails_closed(echo: EchoUpstream) -> None:
    """An ip-restriction the data plane cannot build (written past the Admin API) makes its
    route answer 503: served without the plugin, it would admit every client."""
    store = MemoryStore()
    loop = LoopThread()
    api = loop.call(start_store_api(store))
    gateway = None
    guarded = {"ip-restriction": {"whitelist": ["not-an-ip"]}}
    try:
        store.put("/apisix/routes/good", {"id": "good", "uri": "/good", "upstream": _nodes(echo)})
        store.put(
            "/apisix/routes/guarded",
            {"id": "guarded", "uri": "/guarded", "plugins": guarded, "upstream": _nodes(echo)},
        )
        gateway = Gateway(store=RemoteStore(api.url, api.token))
        _wait_for(gateway.url + "/good", 200)
        statuses = _statuses(gateway.url, ("/guarded",) * 5)
        assert statuses == {"/guarded": 503}
    finally:
        if gateway is not None:
            gateway.stop()
        loop.call(api.stop(), timeout=15)
        loop.stop()
        store.close()
    print("fail closed: a route with an unbuildable ip-restriction answered 503, not 200")
