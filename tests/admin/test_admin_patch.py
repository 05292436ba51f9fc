"""PATCH: merge (null deletes, arrays replace), sub-path replace, timestamps, and
compare-and-swap against concurrent writers."""

from __future__ import annotations

import threading

from reference_impl.store import MemoryStore

from .conftest import UPSTREAM, make_client, put_ok


def _nodes(api, path):
    return api.get(path).json()["value"]["upstream"]["nodes"]


def test_seed_route_patch_examples(api):
    put_ok(
        api, "/routes/1", {"uri": "/index.html", "methods": ["PUT", "GET"], "upstream": UPSTREAM}
    )
    add = api.patch("/routes/1", json={"upstream": {"nodes": {"127.0.0.1:1981": 1}}})
    assert add.status_code == 200
    assert set(add.json()) == {"key", "value"}
    assert add.json()["value"]["upstream"]["nodes"] == {"127.0.0.1:1980": 1, "127.0.0.1:1981": 1}
    api.patch("/routes/1", json={"upstream": {"nodes": {"127.0.0.1:1981": 10}}})
    assert _nodes(api, "/routes/1") == {"127.0.0.1:1980": 1, "127.0.0.1:1981": 10}
    api.patch("/routes/1", json={"upstream": {"nodes": {"127.0.0.1:1980": None}}})
    assert _nodes(api, "/routes/1") == {"127.0.0.1:1981": 10}

    methods = api.patch("/routes/1", json={"methods": ["GET", "POST"]})
    assert methods.json()["value"]["methods"] == ["GET", "POST"]
    sub = api.patch("/routes/1/upstream/nodes", json={"127.0.0.1:1982": 1})
    assert sub.status_code == 200
    assert _nodes(api, "/routes/1") == {"127.0.0.1:1982": 1}
    sub_methods = api.patch("/routes/1/methods", json=["POST", "DELETE", "PATCH"])
    assert sub_methods.json()["value"]["methods"] == ["POST", "DELETE", "PATCH"]
    assert api.patch("/routes/1", json={"status": 0}).json()["value"]["status"] == 0
    assert api.patch("/routes/1", json={"status": 1}).json()["value"]["status"] == 1


def test_seed_upstream_and_service_patch_examples(api):
    put_ok(api, "/upstreams/100", UPSTREAM)
    api.patch("/upstreams/100", json={"nodes": {"127.0.0.1:1981": 1}})
    assert api.get("/upstreams/100").json()["value"]["nodes"] == {
        "127.0.0.1:1980": 1,
        "127.0.0.1:1981": 1,
    }
    api.patch("/upstreams/100/nodes", json={"127.0.0.1:1982": 1})
    assert api.get("/upstreams/100").json()["value"]["nodes"] == {"127.0.0.1:1982": 1}

    put_ok(api, "/services/201", {"enable_websocket": True, "upstream": UPSTREAM})
    api.patch("/services/201", json={"upstream": {"nodes": {"127.0.0.1:1980": None, "h:1": 2}}})
    assert _nodes(api, "/services/201") == {"h:1": 2}
    api.patch("/services/201/upstream/nodes", json={"127.0.0.1:1982": 1})
    assert _nodes(api, "/services/201") == {"127.0.0.1:1982": 1}


def test_patch_null_removes_a_field_and_result_is_validated(api):
    put_ok(api, "/routes/1", {"uri": "/a", "name": "n", "upstream": UPSTREAM})
    resp = api.patch("/routes/1", json={"name": None})
    assert "name" not in resp.json()["value"]
    bad = api.patch("/routes/1", json={"uri": 5})
    assert bad.status_code == 400
    assert 'property "uri"' in bad.json()["error_msg"]
    assert api.get("/routes/1").json()["value"]["uri"] == "/a"
    removes_required = api.patch("/routes/1", json={"upstream": None})
    assert removes_required.status_code == 400


def test_patch_keeps_create_time_and_refreshes_update_time(api):
    put_ok(
        api,
        "/routes/1",
        {"uri": "/a", "upstream": UPSTREAM, "create_time": 100, "update_time": 100},
    )
    value = api.patch("/routes/1", json={"desc": "x"}).json()["value"]
    assert value["create_time"] == 100 and value["update_time"] > 100
    given = api.patch("/routes/1", json={"update_time": 200}).json()["value"]
    assert given["update_time"] == 200


def test_patch_bad_requests(api):
    put_ok(api, "/routes/1", {"uri": "/a", "upstream": UPSTREAM})
    assert api.patch("/routes/1").json() == {"error_msg": "missing new configuration"}
    not_object = api.patch("/routes/1", json=[1, 2])
    assert not_object.status_code == 400
    assert not_object.json() == {"error_msg": "invalid configuration"}
    through_scalar = api.patch("/routes/1/uri/deeper", json=1)
    assert through_scalar.status_code == 400
    assert through_scalar.json() == {"error_msg": "invalid sub-path: /uri"}
    other_id = api.patch("/routes/1", json={"id": "2"})
    assert other_id.json() == {"error_msg": "wrong route id"}
    assert api.patch("/routes", json={}).json() == {"error_msg": "missing route id"}


def test_concurrent_patches_and_puts_lose_no_update(store, client_factory):
    """Each PATCH adds one node; PUTs rewrite the node set it read. With compare-and-swap
    every PATCH that answered 200 is in the final value unless a later PUT replaced it."""
    api = client_factory()
    put_ok(api, "/upstreams/1", {"type": "roundrobin", "nodes": {}})
    workers, per_worker = 4, 15
    answered: list[str] = []
    lock = threading.Lock()

    def patcher(n: int) -> None:
        client = client_factory()
        for i in range(per_worker):
            node = f"10.0.{n}.{i}:80"
            resp = client.patch("/upstreams/1", json={"nodes": {node: 1}})
            assert resp.status_code == 200, resp.text
            with lock:
                answered.append(node)

    threads = [threading.Thread(target=patcher, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    nodes = api.get("/upstreams/1").json()["value"]["nodes"]
    assert sorted(nodes) == sorted(answered)
    assert len(nodes) == workers * per_worker


class _RacingStore(MemoryStore):
    """A memory store where another writer replaces a key right after its first read."""

    def __init__(self, key: str, intruder_value: dict) -> None:
        super().__init__()
        self.armed = False
        self._key, self._intruder = key, intruder_value

    def get(self, key):
        kv = super().get(key)
        if self.armed and key == self._key:
            self.armed = False
            super().put(key, self._intruder)
        return kv


def test_patch_retries_on_a_concurrent_put_instead_of_overwriting_it():
    route = {"id": "1", "uri": "/a", "upstream": UPSTREAM}
    store = _RacingStore("/apisix/routes/1", {**route, "desc": "written by a concurrent PUT"})
    with make_client(store) as api:
        put_ok(api, "/routes/1", route)
        store.armed = True
        resp = api.patch("/routes/1", json={"name": "patched"})
        assert resp.status_code == 200
        final = api.get("/routes/1").json()["value"]
    assert final["name"] == "patched"
    assert final["desc"] == "written by a concurrent PUT"
    store.close()
