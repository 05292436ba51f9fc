"""SCIM provisioning: the settings and token the seed documents ("Update SCIM settings",
"Get SCIM settings", "Generate SCIM Token"; their paths `/api/scim_provisioning[/token]` are
inferred), and the SCIM 2.0 service an identity provider calls with that token (`/scim/v2`,
inferred; shapes and errors of RFC 7643/7644). A provisioned user can log in to the dashboard
until SCIM deactivates it, and again once reactivated."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from conformance.registry import conformance_test
from conformance.target import Target

from .conftest import dashboard_client, expect

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
PASSWORD = "scim-Pw-1"


@pytest.fixture
def scim(dashboard: httpx.Client, gw_target: Target) -> Iterator[httpx.Client]:
    """A client of the SCIM service with a fresh token; SCIM is disabled again afterwards."""
    settings = expect(dashboard.put("/api/scim_provisioning", json={"enable_scim": True}))
    assert settings["value"]["enable_scim"] is True
    token = expect(dashboard.post("/api/scim_provisioning/token"))["value"]
    assert isinstance(token, str) and token
    with dashboard_client(gw_target, headers={"Authorization": f"Bearer {token}"}) as client:
        client.base_url = client.base_url.join("/scim/v2")
        yield client
    dashboard.put("/api/scim_provisioning", json={"enable_scim": False})


def _scim_error(response: httpx.Response, status: int) -> dict[str, Any]:
    body = expect(response, status)
    assert body["schemas"] == [ERROR] and body["status"] == str(status), body
    return body


def _login(gw_target: Target, username: str) -> httpx.Response:
    with dashboard_client(gw_target) as client:
        return client.post("/api/login", json={"username": username, "password": PASSWORD})


@conformance_test(
    name="ee-scim-users",
    description="SCIM creates, updates, deactivates and deletes a dashboard user who can log "
    "in while active and cannot once deactivated; SCIM errors use the SCIM error schema",
    profile="api7ee",
    features=["ee-scim"],
)
def test_scim_user_lifecycle(gw_target: Target, dashboard, scim):
    name = f"scim-{uuid.uuid4().hex[:8]}"
    body = {
        "schemas": [USER],
        "userName": name,
        "password": PASSWORD,
        "emails": [{"value": f"{name}@example.org", "primary": True}],
        "active": True,
    }
    created = expect(scim.post("/Users", json=body), 201)
    user_id = created["id"]
    try:
        assert created["schemas"] == [USER] and created["userName"] == name
        assert created["active"] is True and created["meta"]["resourceType"] == "User"
        _scim_error(scim.post("/Users", json=body), 409)
        found = expect(scim.get("/Users", params={"filter": f'userName eq "{name}"'}))
        assert found["totalResults"] == 1 and found["Resources"][0]["id"] == user_id
        _scim_error(scim.get("/Users", params={"filter": "userName sw x"}), 400)
        expect(_login(gw_target, name))
        with dashboard_client(gw_target) as session:
            expect(session.post("/api/login", json={"username": name, "password": PASSWORD}))
            off = {
                "schemas": [PATCH],
                "Operations": [{"op": "replace", "path": "active", "value": False}],
            }
            assert expect(scim.patch(f"/Users/{user_id}", json=off))["active"] is False
            expect(_login(gw_target, name), 401)
            expect(session.get("/api/me"), 401)  # the open session ends too
        replaced = expect(scim.put(f"/Users/{user_id}", json={**body, "displayName": "Back"}))
        assert replaced["active"] is True and replaced["displayName"] == "Back"
        expect(_login(gw_target, name))
        assert expect(scim.get(f"/Users/{user_id}"))["userName"] == name
    finally:
        scim.delete(f"/Users/{user_id}")
    _scim_error(scim.get(f"/Users/{user_id}"), 404)
    expect(_login(gw_target, name), 401)
    with dashboard_client(gw_target, headers={"Authorization": "Bearer wrong"}) as stranger:
        _scim_error(stranger.get("/scim/v2/Users"), 401)


@conformance_test(
    name="ee-scim-groups",
    description="SCIM groups are created with members, renamed, lose a member and are "
    "deleted; a user lists its groups; a group of a non-user is refused",
    profile="api7ee",
    features=["ee-scim"],
)
def test_scim_groups(scim):
    member = {"schemas": [USER], "userName": f"scim-{uuid.uuid4().hex[:8]}"}
    user_id = expect(scim.post("/Users", json=member), 201)["id"]
    try:
        body = {"schemas": [GROUP], "displayName": f"team-{uuid.uuid4().hex[:6]}"}
        _scim_error(scim.post("/Groups", json={**body, "members": [{"value": "nobody"}]}), 400)
        group = expect(scim.post("/Groups", json={**body, "members": [{"value": user_id}]}), 201)
        assert group["members"] == [{"value": user_id}]
        groups = expect(scim.get(f"/Users/{user_id}"))["groups"]
        assert [g["value"] for g in groups] == [group["id"]]
        ops = [
            {"op": "replace", "path": "displayName", "value": "renamed"},
            {"op": "remove", "path": f'members[value eq "{user_id}"]'},
        ]
        patched = expect(
            scim.patch(f"/Groups/{group['id']}", json={"schemas": [PATCH], "Operations": ops})
        )
        assert patched["displayName"] == "renamed" and patched["members"] == []
        assert expect(scim.delete(f"/Groups/{group['id']}"), 204) is None
        _scim_error(scim.get(f"/Groups/{group['id']}"), 404)
    finally:
        scim.delete(f"/Users/{user_id}")
