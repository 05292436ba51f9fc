"""The seed's curl examples against a real `python -m reference_impl serve` process."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from .conftest import ADMIN_KEY, VIEWER_KEY

START_TIMEOUT = 20.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(tmp_path: Path, etcd_url: str | None = None) -> Iterator[httpx.Client]:
    admin_port = _free_port()
    config = {
        "apisix": {
            "node_listen": [{"ip": "127.0.0.1", "port": _free_port()}],
            "stream_proxy": {"tcp": [{"addr": f"127.0.0.1:{_free_port()}"}]},
            "ssl": {"enable": False},
            "enable_control": False,
        },
        "plugin_attr": {"prometheus": {"export_addr": {"ip": "127.0.0.1", "port": _free_port()}}},
        "deployment": {
            "admin": {
                "admin_listen": {"ip": "127.0.0.1", "port": admin_port},
                "admin_key": [
                    {"name": "admin", "key": ADMIN_KEY, "role": "admin"},
                    {"name": "viewer", "key": VIEWER_KEY, "role": "viewer"},
                ],
                "allow_admin": ["127.0.0.0/8"],
            }
        },
    }
    if etcd_url:
        config["deployment"]["etcd"] = {"host": [etcd_url], "prefix": f"/serve{admin_port}"}
        config["gwconform"] = {"store": "etcd"}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    proc = subprocess.Popen(
        [sys.executable, "-m", "reference_impl", "serve", "--config", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{admin_port}/apisix/admin"
    client = httpx.Client(base_url=base, headers={"X-API-KEY": ADMIN_KEY}, timeout=10)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if client.get("/routes").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"serve did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)
        yield client
    finally:
        client.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(params=["memory", "etcd"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[httpx.Client]:
    etcd_url = request.getfixturevalue("etcd_url") if request.param == "etcd" else None
    yield from _serve(tmp_path, etcd_url)


def test_seed_curl_examples(served):
    api = served
    # curl -X PUT -d '...' sends application/x-www-form-urlencoded
    form = {"content-type": "application/x-www-form-urlencoded"}
    up = api.put(
        "/upstreams/1",
        content='{"nodes": {"127.0.0.1:8080": 1}, "type": "roundrobin"}',
        headers=form,
    )
    assert up.status_code == 201
    route = api.put("/routes/1", content='{"uri": "/*", "upstream_id": 1}', headers=form)
    assert route.status_code == 201
    value = route.json()["value"]
    assert {k: value[k] for k in ("priority", "upstream_id", "uri", "id", "status")} == {
        "priority": 0,
        "upstream_id": 1,
        "uri": "/*",
        "id": "1",
        "status": 1,
    }
    assert route.json()["key"].endswith("/routes/1")

    inline = api.put(
        "/routes/2",
        json={
            "uri": "/index.html",
            "upstream": {"type": "roundrobin", "nodes": {"127.0.0.1:1980": 1}},
        },
    )
    assert inline.status_code == 201
    patched = api.patch("/routes/2", json={"upstream": {"nodes": {"127.0.0.1:1981": 1}}})
    assert patched.status_code == 200
    assert patched.json()["value"]["upstream"]["nodes"] == {
        "127.0.0.1:1980": 1,
        "127.0.0.1:1981": 1,
    }

    refused = api.delete("/upstreams/1")
    assert (refused.status_code, refused.json()) == (
        400,
        {"error_msg": "can not delete this upstream, route [1] is still using it now"},
    )
    assert api.delete("/upstreams/1?force=anyvalue").status_code == 400
    forced = api.delete("/upstreams/1?force=true")
    assert forced.status_code == 200 and forced.json()["deleted"] == "1"

    assert api.get("/routes", headers={"X-API-KEY": "wrong"}).status_code == 401
    assert (
        api.put("/routes/9", json={"uri": "/v"}, headers={"X-API-KEY": VIEWER_KEY}).status_code
        == 403
    )
    assert api.put("/routes/9", content=b"{not json").status_code == 400
    assert api.get("/routes").status_code == 200
