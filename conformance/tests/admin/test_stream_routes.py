"""Stream routes through the Admin API (Admin API 3.5, "Stream Route").

Sources: the 3.5 page (fields remote_addr, server_addr, server_port, sni, upstream or
upstream_id; methods GET/PUT/POST/DELETE) and apisix/admin/stream_routes.lua (PATCH not
offered: 405; "failed to fetch upstream info by upstream id [X]").
"""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.admin_api import expect, expect_error, upstream
from conformance.support.ids import unique_id


@conformance_test(
    name="stream-route-crud",
    description="stream routes are created by PUT and POST, read, listed and deleted",
    profile="apisix-v3",
    features=["admin-stream-routes"],
)
def test_stream_route_crud(admin):
    sid = unique_id("stream")
    body = {"remote_addr": "127.0.0.1", "server_port": 9100, "upstream": upstream("127.0.0.1:1995")}
    created = expect(admin.put(f"/stream_routes/{sid}", json=body), 201)
    assert created["value"]["server_port"] == 9100
    expect(admin.put(f"/stream_routes/{sid}", json=body), 200)
    posted = expect(admin.post("/stream_routes", json=body), 200, 201)["value"]["id"]
    assert expect(admin.get(f"/stream_routes/{posted}"), 200)["value"]["remote_addr"] == "127.0.0.1"
    expect(admin.patch(f"/stream_routes/{sid}", json={"server_port": 9101}), 405)
    expect(admin.delete(f"/stream_routes/{sid}"), 200)
    expect(admin.get(f"/stream_routes/{sid}"), 404)


@conformance_test(
    name="stream-route-references",
    description="a stream route naming an upstream that does not exist is 400",
    profile="apisix-v3",
    features=["admin-stream-routes", "admin-references"],
)
def test_stream_route_missing_upstream(admin):
    missing = unique_id("missing")
    expect_error(
        admin.put(f"/stream_routes/{unique_id('stream')}", json={"upstream_id": missing}),
        400,
        "failed to fetch upstream info by upstream id",
        f"[{missing}]",
    )


@conformance_test(
    name="stream-route-validation",
    description="stream route fields are validated",
    profile="apisix-v3",
    features=["admin-stream-routes", "admin-validation"],
)
def test_stream_route_validation(admin):
    bad = {"server_port": "ninety", "upstream": upstream()}
    expect_error(admin.put(f"/stream_routes/{unique_id('stream')}", json=bad), 400, "server_port")
    bad = {"remote_addr": "not-an-ip", "upstream": upstream()}
    expect_error(admin.put(f"/stream_routes/{unique_id('stream')}", json=bad), 400, "remote_addr")
