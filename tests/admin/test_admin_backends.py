"""A representative subset over both store backends: memory and a real etcd server."""

from __future__ import annotations

import re
import threading
import time

from .conftest import UPSTREAM, put_ok


def test_crud_and_bodies(any_api):
    api = any_api
    created = api.put("/routes/1", json={"uri": "/a", "upstream": UPSTREAM})
    assert created.status_code == 201, created.text
    prefix = created.json()["key"].removesuffix("/routes/1")
    assert api.put("/routes/1", json={"uri": "/b", "upstream": UPSTREAM}).status_code == 200
    one = api.get("/routes/1").json()
    assert one["value"]["uri"] == "/b" and one["modifiedIndex"] > one["createdIndex"]
    posted = api.post("/routes", json={"uri": "/c", "upstream": UPSTREAM}).json()
    assert re.fullmatch(r"\d{20}", posted["value"]["id"])
    listing = api.get("/routes").json()
    assert listing["total"] == 2
    assert api.delete("/routes/1").json() == {"deleted": "1", "key": f"{prefix}/routes/1"}
    assert api.get("/routes/1").json() == {"message": "Key not found"}


def test_seed_patch_and_force_delete(any_api):
    api = any_api
    put_ok(api, "/upstreams/1", {"nodes": {"127.0.0.1:8080": 1}, "type": "roundrobin"})
    put_ok(api, "/routes/1", {"uri": "/*", "upstream_id": 1})
    patched = api.patch("/upstreams/1", json={"nodes": {"127.0.0.1:8081": 2}}).json()
    assert patched["value"]["nodes"] == {"127.0.0.1:8080": 1, "127.0.0.1:8081": 2}
    assert api.delete("/upstreams/1").status_code == 400
    assert api.delete("/upstreams/1?force=true").status_code == 200
    missing = api.put("/routes/2", json={"uri": "/x", "upstream_id": "gone"})
    assert missing.json()["error_msg"].startswith("failed to fetch upstream info")


def test_pagination(any_api):
    api = any_api
    for n in range(12):
        put_ok(api, f"/services/s{n:02d}", {"upstream": UPSTREAM, "name": f"svc{n}"})
    page2 = api.get("/services?page=2&page_size=10").json()
    assert page2["total"] == 12 and [i["value"]["id"] for i in page2["list"]] == ["s10", "s11"]


def test_concurrent_patches(any_api):
    api = any_api
    put_ok(api, "/upstreams/1", {"type": "roundrobin", "nodes": {}})
    errors: list[str] = []

    def patcher(n: int) -> None:
        for i in range(5):
            resp = api.patch("/upstreams/1", json={"nodes": {f"10.0.{n}.{i}:80": 1}})
            if resp.status_code != 200:
                errors.append(resp.text)

    threads = [threading.Thread(target=patcher, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(api.get("/upstreams/1").json()["value"]["nodes"]) == 20


def test_ttl(any_api):
    api = any_api
    put_ok(api, "/routes/t?ttl=1", {"uri": "/t", "upstream": UPSTREAM})
    deadline = time.monotonic() + 8
    while api.get("/routes/t").status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert api.get("/routes/t").status_code == 404
