"""Who may call: X-API-KEY (admin and viewer roles), allow_admin, admin_key_required."""

from __future__ import annotations

import warnings
from typing import Any

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what the project uses
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from reference_impl.admin_port import create_admin_port
from reference_impl.config import build_config
from reference_impl.store import MemoryStore

from .conftest import ADMIN, ADMIN_KEY, BASE_CONFIG, UPSTREAM, VIEWER_KEY, merged


def test_missing_or_wrong_key_is_401(api):
    missing = api.get("/routes", headers={"X-API-KEY": ""})
    assert missing.status_code == 401
    assert missing.json() == {"error_msg": "failed to check token", "description": "missing apikey"}
    wrong = api.put(
        "/routes/1", json={"uri": "/a", "upstream": UPSTREAM}, headers={"X-API-KEY": "nope"}
    )
    assert wrong.status_code == 401
    assert wrong.json()["error_msg"] == "failed to check token"
    assert api.get("/routes/1").status_code == 404  # nothing was written


def test_key_as_query_argument(client_factory):
    api = client_factory()
    api.headers.pop("X-API-KEY")
    assert api.get(f"/routes?api_key={ADMIN_KEY}").status_code == 200
    assert api.get("/routes").status_code == 401


def test_viewer_may_only_read(api):
    viewer = {"X-API-KEY": VIEWER_KEY}
    assert api.put("/upstreams/1", json=UPSTREAM).status_code == 201
    assert api.get("/upstreams/1", headers=viewer).status_code == 200
    assert api.get("/upstreams", headers=viewer).status_code == 200
    for method in ("PUT", "POST", "PATCH", "DELETE"):
        resp = api.request(method, "/upstreams/1", json=UPSTREAM, headers=viewer)
        assert resp.status_code == 403, method
        assert resp.json() == {
            "error_msg": "failed to check token",
            "description": "invalid method for role viewer",
        }
    assert api.get("/upstreams/1").json()["value"]["nodes"] == UPSTREAM["nodes"]


def _admin_port_client(store: MemoryStore, client_ip: str, overrides: dict[str, Any]) -> TestClient:
    """allow_admin is checked in front of the whole admin port, so through the port."""
    config = build_config(merged(BASE_CONFIG, overrides))
    app, _ = create_admin_port(config, store, launch_data_planes=False)
    return TestClient(
        app,
        base_url="http://testserver/apisix/admin",
        headers=ADMIN,
        client=(client_ip, 50000),
    )


def test_client_outside_allow_admin_is_403(store):
    with _admin_port_client(store, "10.1.2.3", {}) as outside:
        resp = outside.get("/routes")
    assert resp.status_code == 403
    assert "10.1.2.3" in resp.json()["error_msg"]
    inside = {"deployment": {"admin": {"allow_admin": ["10.0.0.0/8"]}}}
    with _admin_port_client(store, "10.1.2.3", inside) as client:
        assert client.get("/routes").status_code == 200
    everyone = {"deployment": {"admin": {"allow_admin": []}}}
    with _admin_port_client(store, "192.0.2.1", everyone) as client:
        assert client.get("/routes").status_code == 200


def test_admin_key_not_required(client_factory):
    api = client_factory({"deployment": {"admin": {"admin_key_required": False}}})
    api.headers.pop("X-API-KEY")
    assert api.put("/upstreams/1", json=UPSTREAM).status_code == 201
