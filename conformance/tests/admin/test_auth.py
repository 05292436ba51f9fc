"""Admin API authentication and the viewer role.

Sources: Admin API 3.5 ("X-API-KEY ... is the access token for the Admin API");
apisix/admin/init.lua: a missing or wrong key answers 401 {"error_msg": "failed to check
token", "description": "missing apikey" | "wrong apikey"}; a key whose role is `viewer` may
only GET ("invalid method for role viewer"). APISIX answers that refusal with 401; a target
may answer 403 (the request is authenticated but not allowed), so both are accepted — what
is checked is that nothing is written.
"""

from __future__ import annotations

import httpx
import pytest

from conformance.registry import conformance_test
from conformance.support.admin_api import error_msg, expect, route
from conformance.support.ids import unique_id

VIEWER_REFUSED = (401, 403)


def _bare_client(gw_target, key: str | None) -> httpx.Client:
    headers = {"X-API-KEY": key} if key is not None else {}
    return httpx.Client(base_url=gw_target.admin_url + "/apisix/admin", headers=headers, timeout=10)


@conformance_test(
    name="admin-key-required",
    description="requests without a key or with a wrong key answer 401 with error_msg",
    profile="apisix-v3",
    features=["admin-auth"],
)
@pytest.mark.parametrize(
    "key", [None, "", "0123456789abcdef0123456789abcdef"], ids=["missing", "empty", "wrong"]
)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_key_required(gw_target, admin, key, method):
    rid = unique_id("route")
    with _bare_client(gw_target, key) as client:
        response = client.request(method, f"/routes/{rid}", json=route("/auth"))
    expect(response, 401)
    assert error_msg(response)
    expect(admin.get(f"/routes/{rid}"), 404)


@conformance_test(
    name="admin-key-accepted",
    description="the admin key reads and writes",
    profile="apisix-v3",
    features=["admin-auth"],
)
def test_admin_key_accepted(admin):
    rid = unique_id("route")
    expect(admin.put(f"/routes/{rid}", json=route("/auth")), 201)
    expect(admin.get("/routes"), 200)


@conformance_test(
    name="viewer-reads",
    description="a viewer key can list and fetch resources",
    profile="apisix-v3",
    features=["admin-viewer-role"],
)
def test_viewer_reads(admin, viewer):
    rid = unique_id("route")
    expect(admin.put(f"/routes/{rid}", json=route("/viewer")), 201)
    assert expect(viewer.get(f"/routes/{rid}"), 200)["value"]["id"] == rid
    expect(viewer.get("/routes"), 200)


@conformance_test(
    name="viewer-cannot-write",
    description="a viewer key is refused on PUT, POST, PATCH and DELETE and nothing changes",
    profile="apisix-v3",
    features=["admin-viewer-role"],
)
def test_viewer_cannot_write(admin, viewer):
    rid = unique_id("route")
    expect(admin.put(f"/routes/{rid}", json=route("/viewer", desc="original")), 201)
    new_id = unique_id("route")
    posted_uri = f"/{unique_id('viewer-post')}"
    attempts = [
        viewer.put(f"/routes/{new_id}", json=route("/viewer-new")),
        viewer.put(f"/routes/{rid}", json=route("/viewer", desc="changed")),
        viewer.post("/routes", json=route(posted_uri)),
        viewer.patch(f"/routes/{rid}", json={"desc": "changed"}),
        viewer.delete(f"/routes/{rid}"),
    ]
    for response in attempts:
        expect(response, *VIEWER_REFUSED)
        assert error_msg(response)
    expect(admin.get(f"/routes/{new_id}"), 404)
    stored = expect(admin.get(f"/routes/{rid}"), 200)["value"]
    assert stored["desc"] == "original"
    posted = expect(admin.get("/routes", params={"uri": posted_uri}), 200)
    assert posted["total"] == 0
