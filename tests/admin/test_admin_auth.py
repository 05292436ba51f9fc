"""Who may call: X-API-KEY (admin and viewer roles), allow_admin, admin_key_required."""

from __future__ import annotations

from .conftest import ADMIN_KEY, UPSTREAM, VIEWER_KEY


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


def test_client_outside_allow_admin_is_403(client_factory):
    outside = client_factory(client_ip="10.1.2.3")
    resp = outside.get("/routes")
    assert resp.status_code == 403
    assert "10.1.2.3" in resp.json()["error_msg"]
    inside = client_factory(
        {"deployment": {"admin": {"allow_admin": ["10.0.0.0/8"]}}}, client_ip="10.1.2.3"
    )
    assert inside.get("/routes").status_code == 200
    anyone = client_factory({"deployment": {"admin": {"allow_admin": []}}}, client_ip="192.0.2.1")
    assert anyone.get("/routes").status_code == 200


def test_admin_key_not_required(client_factory):
    api = client_factory({"deployment": {"admin": {"admin_key_required": False}}})
    api.headers.pop("X-API-KEY")
    assert api.put("/upstreams/1", json=UPSTREAM).status_code == 201
