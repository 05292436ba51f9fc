"""Poison input: `NaN`, `Infinity`, `-Infinity` (and `1e999`, a lone surrogate) in a request
body are refused with a 400 naming them, before anything is written, by every API of the
admin port, on the memory store and on etcd; every store refuses to write them; and a value
in the store that is not a JSON object, or not strict JSON, breaks no later read."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reference_impl.admin.resources import RESOURCES
from reference_impl.api7ee import cpstore
from reference_impl.api7ee.app import ROUTE_TABLES as API7_TABLES
from reference_impl.cloud.app import ENDPOINTS as CLOUD_ENDPOINTS
from reference_impl.iam.app import ROUTE_TABLES as IAM_TABLES
from reference_impl.iam.records import KINDS as IAM_KINDS
from reference_impl.iam.records import PREFIX as IAM_PREFIX
from reference_impl.store import MemoryStore, Store, StoreError
from reference_impl.store.etcd import EtcdStore
from reference_impl.store.persistent import PersistentMemoryStore

from .poison import admin_port, cloud_headers, etcd_raw_get, etcd_raw_put, new_prefix, stored_keys

UPSTREAM = {"type": "roundrobin", "nodes": {"127.0.0.1:1980": 1}}
NODE = '{"type": "roundrobin", "nodes": {"127.0.0.1:1980": 1}}'
LIMIT_REQ_NAN = '{"limit-req": {"rate": NaN, "burst": 1, "key": "remote_addr"}}'
CLOUD_KINDS = ("orgs", "clusters", "apps", "apis", "consumers", "plugins", "certificates")


class Port:
    """The admin port over one store, with a good object of each API to compare against."""

    def __init__(self, backend: str, store: Store, prefix: str, etcd_url: str | None) -> None:
        self.backend, self.store, self.prefix, self.etcd_url = backend, store, prefix, etcd_url

    def raw(self, key: str) -> Any:
        """What the store holds at `key`, read without any API (etcd: its raw bytes)."""
        if self.etcd_url is not None:
            return etcd_raw_get(self.etcd_url, key)
        kv = self.store.get(key)
        return None if kv is None else kv.value


@pytest.fixture(params=["memory", "etcd"])
def backend(request: pytest.FixtureRequest) -> Iterator[Port]:
    if request.param == "memory":
        store: Store = MemoryStore()
        port = Port("memory", store, "/apisix", None)
    else:
        url = request.getfixturevalue("shared_etcd").client_url
        store = EtcdStore([url], timeout=10)
        port = Port("etcd", store, new_prefix(), url)
    yield port
    store.close()


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _cloud_ids(client: Any) -> tuple[str, str]:
    """The ids of the Cloud API's default organization and cluster."""
    me = _ok(client.get("/api/v1/user/me", headers=cloud_headers()))["payload"]
    org_id = me["org_ids"][0]
    clusters = _ok(client.get(f"/api/v1/orgs/{org_id}/clusters", headers=cloud_headers()))
    return org_id, next(c["id"] for c in clusters["payload"]["list"] if c["name"] == "default")


def _put_good_route(client: Any) -> None:
    answer = client.put("/apisix/admin/routes/good", json={"uri": "/good", "upstream": UPSTREAM})
    assert answer.status_code == 201, answer.text


def _listed(answer: Any) -> list[str]:
    """The keys or ids a list answer (of any of the APIs) shows."""
    assert answer.status_code == 200, answer.text
    body = answer.json()
    items = body["list"] if "list" in body else body["payload"]["list"]
    return sorted(str(item.get("key") or item.get("id")) for item in items)


def _error_text(api: str, body: dict[str, Any]) -> str:
    return body.get("error", "") if api == "cloud" else body.get("error_msg", "")


def test_poison_bodies_are_refused_before_anything_is_written(backend: Port) -> None:
    with admin_port(backend.store, backend.prefix) as client:
        _put_good_route(client)
        targets = [{"host": "127.0.0.1", "port": 1980, "weight": 1}]
        template_body = {"name": "good", "path_prefix": "/good", "upstream": {"nodes": targets}}
        template = _ok(client.post("/api/services/template", json=template_body))["value"]["id"]
        _, cid = _cloud_ids(client)
        upstreams = [{"upstream": {"scheme": "http", "targets": targets}, "version": "default"}]
        app = {
            "name": "good",
            "hosts": ["a.example.com"],
            "path_prefix": "/good",
            "upstreams": upstreams,
        }
        app_id = _ok(
            client.post(f"/api/v1/clusters/{cid}/apps", json=app, headers=cloud_headers())
        )["payload"]["id"]

        apisix = "/apisix/admin"
        poisons = [  # (api, method, path, body, the constant the answer must name, key)
            ("admin", "PUT", f"{apisix}/routes/p-rate",
             f'{{"uri": "/p", "plugins": {LIMIT_REQ_NAN}, "upstream": {NODE}}}', "NaN",
             f"{backend.prefix}/routes/p-rate"),
            ("admin", "PUT", f"{apisix}/upstreams/p-timeout",
             '{"type": "roundrobin", "nodes": {"127.0.0.1:1980": 1},'
             ' "timeout": {"connect": Infinity, "send": 1, "read": 1}}', "Infinity",
             f"{backend.prefix}/upstreams/p-timeout"),
            ("admin", "PUT", f"{apisix}/routes/p-plain", "-Infinity", "-Infinity",
             f"{backend.prefix}/routes/p-plain"),
            ("admin", "POST", f"{apisix}/routes",
             f'{{"uri": "/p", "priority": -Infinity, "upstream": {NODE}}}', "-Infinity", None),
            ("admin", "PUT", f"{apisix}/services/p-huge",
             '{"upstream": {"type": "roundrobin", "nodes": {"127.0.0.1:1980": 1e999}}}', "1e999",
             f"{backend.prefix}/services/p-huge"),
            ("admin", "PUT", f"{apisix}/routes/p-text",
             f'{{"uri": "/p", "desc": "\\ud800", "upstream": {NODE}}}', "\\ud800",
             f"{backend.prefix}/routes/p-text"),
            ("admin", "PATCH", f"{apisix}/routes/good", f'{{"plugins": {LIMIT_REQ_NAN}}}', "NaN",
             None),
            ("admin", "PATCH", f"{apisix}/routes/good/priority", "Infinity", "Infinity", None),
            ("api7", "POST", "/api/services/template",
             '{"name": "p", "path_prefix": "/p", "upstream": {"nodes": [{"host": "127.0.0.1",'
             ' "port": 1980, "weight": 1}], "timeout": {"connect": Infinity}}}', "Infinity", None),
            ("api7", "PATCH", f"/api/services/template/{template}",
             '[{"op": "replace", "path": "/desc", "value": NaN}]', "NaN", None),
            ("api7", "POST", "/api/gateway_groups", '{"name": "p", "description": -Infinity}',
             "-Infinity", None),
            ("iam", "POST", "/api/permission_policies",
             '{"name": "p", "policy_document": {"statement": [], "version": NaN}}', "NaN", None),
            ("cloud", "POST", f"/api/v1/clusters/{cid}/apps",
             '{"name": "p", "hosts": ["p.example.com"], "path_prefix": "/p",'
             ' "upstreams": [{"upstream": {"scheme": "http", "targets": [{"host": "127.0.0.1",'
             ' "port": 1980, "weight": NaN}]}, "version": "default"}]}', "NaN", None),
            ("cloud", "PATCH", f"/api/v1/clusters/{cid}/apps/{app_id}",
             '{"description": Infinity}', "Infinity", None),
        ]  # fmt: skip

        lists = [
            (f"{apisix}/routes", {}),
            (f"{apisix}/upstreams", {}),
            (f"{apisix}/services", {}),
            ("/api/services/template", {}),
            ("/api/gateway_groups", {}),
            ("/api/permission_policies", {}),
            (f"/api/v1/clusters/{cid}/apps", cloud_headers()),
        ]
        listed = [_listed(client.get(path, headers=headers)) for path, headers in lists]
        good_route = client.get(f"{apisix}/routes/good").json()
        good_template = client.get(f"/api/services/template/{template}").json()
        good_app = client.get(f"/api/v1/clusters/{cid}/apps/{app_id}", headers=cloud_headers())
        before = stored_keys(backend.store)
        refused = 0
        for api, method, path, body, constant, _ in poisons:
            headers = {"Content-Type": "application/json"}
            if api == "cloud":
                headers.update(cloud_headers())
            answer = client.request(method, path, content=body.encode(), headers=headers)
            assert answer.status_code == 400, (method, path, answer.status_code, answer.text)
            message = _error_text(api, answer.json())
            assert message.startswith("invalid request body"), (path, message)
            assert constant in message, (path, message)
            refused += 1
        after = stored_keys(backend.store)

        assert after == before  # nothing written, nothing changed
        for *_, key in poisons:
            if key is not None:
                assert backend.raw(key) is None, key
        assert client.get(f"{apisix}/routes/good").json() == good_route
        assert client.get(f"/api/services/template/{template}").json() == good_template
        again = client.get(f"/api/v1/clusters/{cid}/apps/{app_id}", headers=cloud_headers())
        assert again.json() == good_app.json()

        assert [_listed(client.get(path, headers=headers)) for path, headers in lists] == listed
        later = [
            *lists,
            (f"{apisix}/routes/good", {}),
            (f"/api/services/template/{template}", {}),
            (f"/api/v1/clusters/{cid}/apps/{app_id}", cloud_headers()),
        ]
        statuses = [client.get(path, headers=headers).status_code for path, headers in later]
        assert statuses == [200] * len(later), list(zip(later, statuses, strict=True))
    changed = len(set(after.items()) ^ set(before.items()))
    print(
        f"poison ({backend.backend}): {refused} of {len(poisons)} NaN/Infinity bodies refused "
        f"with 400, {changed} keys written; {len(later)} later reads, "
        f"{sum(s >= 500 for s in statuses)} answered 5xx"
    )


def _parameterless_gets(cluster_id: str, org_id: str) -> list[tuple[str, bool]]:
    """(path, is the Cloud API) of every GET of every API that needs no object id."""
    paths = [(f"/apisix/admin/{kind}", False) for kind in RESOURCES]
    for table in (*API7_TABLES, *IAM_TABLES):
        paths += [("/api" + path, False) for method, path, _ in table if method == "GET"]
    for path, handlers in CLOUD_ENDPOINTS:
        if "GET" in handlers:
            path = path.replace("{org_id}", org_id).replace("{cluster_id}", cluster_id)
            paths.append(("/api/v1" + path, True))
    return [(path, cloud) for path, cloud in paths if "{" not in path]


def _directories(store: Store, prefix: str) -> set[str]:
    """Where each API keeps its objects: the parent of every stored key, and every kind."""
    dirs = {kv.key.rsplit("/", 1)[0] for kv in store.range("/")[0]}
    dirs |= {f"{prefix}/{kind}" for kind in RESOURCES}
    dirs |= {f"{cpstore.CP}/{kind}" for kind in (cpstore.TEMPLATES, cpstore.GATEWAY_GROUPS)}
    dirs |= {f"{cpstore.CP}/{kind}" for kind in (cpstore.ROUTE_TEMPLATES, cpstore.VERSIONS)}
    dirs |= {f"{IAM_PREFIX}/{kind}" for kind in IAM_KINDS}
    dirs |= {f"/gwconform/cloud/{kind}" for kind in CLOUD_KINDS}
    return dirs


def test_values_no_api_wrote_break_no_read(backend: Port) -> None:
    """A value written beside the APIs (not a JSON object; on etcd also JSON with NaN, and
    text that is no JSON at all) in every directory any API keeps objects in."""
    with admin_port(backend.store, backend.prefix) as client:
        _put_good_route(client)
        org_id, cid = _cloud_ids(client)
        dirs = sorted(_directories(backend.store, backend.prefix))
        for directory in dirs:
            if backend.etcd_url is not None:
                etcd_raw_put(backend.etcd_url, f"{directory}/zz-nan", '{"id": "zz-nan", "x": NaN}')
                etcd_raw_put(backend.etcd_url, f"{directory}/zz-text", "not JSON {")
            else:
                backend.store.put(f"{directory}/zz-text", '{"id": "zz-text", "x": NaN}')
                backend.store.put(f"{directory}/zz-list", ["not", "an", "object"])
        reads = _parameterless_gets(cid, org_id)
        reads += [(f"/apisix/admin/{kind}/zz-text", False) for kind in RESOURCES]
        reads += [
            ("/api/services/template/zz-text", False),
            ("/api/gateway_groups/zz-text", False),
            ("/api/users/zz-text", False),
            ("/api/roles/zz-text", False),
            ("/api/permission_policies/zz-text", False),
            (f"/api/v1/clusters/{cid}/apps/zz-text", True),
        ]
        failed = []
        for path, cloud in reads:
            answer = client.get(path, headers=cloud_headers() if cloud else {})
            if answer.status_code >= 500:
                failed.append((path, answer.status_code, answer.text[:120]))
        assert failed == []
        assert _ok(client.get("/apisix/admin/routes/good"))["value"]["uri"] == "/good"
    print(
        f"poison ({backend.backend}): bad values in {len(dirs)} directories, "
        f"{len(reads)} reads, {len(failed)} answered 5xx"
    )


NOT_STRICT = [
    float("nan"),
    {"rate": float("nan")},
    {"timeout": {"connect": float("inf")}},
    [float("-inf")],
    {"desc": "\ud800"},
    {"\udc00": 1},
]


@pytest.fixture(params=["memory", "persistent", "etcd"])
def raw_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        store: Store = MemoryStore()
    elif request.param == "persistent":
        store = PersistentMemoryStore(tmp_path / "data")
    else:
        store = EtcdStore([request.getfixturevalue("shared_etcd").client_url], timeout=10)
    yield store
    store.close()


def test_every_store_refuses_to_write_what_is_not_strict_json(raw_store: Store) -> None:
    prefix = new_prefix()
    raw_store.put(f"{prefix}/routes/kept", {"uri": "/kept", "weight": 1.5})
    revision = raw_store.revision
    refused = 0
    for number, value in enumerate(NOT_STRICT):
        key = f"{prefix}/routes/{number}"
        with pytest.raises(StoreError, match="not strict JSON"):
            raw_store.put(key, value)
        assert raw_store.get(key) is None
        refused += 1
    assert raw_store.revision == revision  # not a single write
    kvs, _ = raw_store.range(f"{prefix}/")
    assert [kv.value for kv in kvs] == [{"uri": "/kept", "weight": 1.5}]
    assert not any(isinstance(v, float) and not math.isfinite(v) for v in kvs[0].value.values())
    print(
        f"store ({type(raw_store).__name__}): {refused} of {len(NOT_STRICT)} values refused, 0 written"
    )
