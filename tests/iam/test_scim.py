"""The SCIM service in the reference: refused while disabled or without the current token,
and a group record no SCIM request wrote breaks no answer."""

from __future__ import annotations

from reference_impl.iam.records import iam_records

from .conftest import client_for, ok

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def test_disabled_and_rotated_token(app, client):
    token = ok(client.post("/api/scim_provisioning/token"))["value"]
    scim = client_for(app)
    scim.headers["Authorization"] = f"Bearer {token}"
    disabled = scim.get("/scim/v2/Users")
    assert disabled.status_code == 403 and disabled.json()["schemas"] == [ERROR]
    shown = ok(client.put("/api/scim_provisioning", json={"enable_scim": True}))["value"]
    assert shown["enable_scim"] is True and shown["token_generated"] is True
    assert ok(scim.get("/scim/v2/Users"))["totalResults"] == 0
    ok(client.post("/api/scim_provisioning/token"))  # rotating retires the old token
    assert scim.get("/scim/v2/Users").status_code == 401
    refused = client.put("/api/scim_provisioning", json={"enable_scim": "yes"})
    assert refused.status_code == 400


def test_foreign_group_record(app, client, store):
    token = ok(client.post("/api/scim_provisioning/token"))["value"]
    ok(client.put("/api/scim_provisioning", json={"enable_scim": True}))
    iam_records(store).put("scim_groups", {"id": "stray", "x": 1})
    scim = client_for(app)
    scim.headers["Authorization"] = f"Bearer {token}"
    assert ok(scim.get("/scim/v2/Groups"))["totalResults"] == 0
    assert scim.get("/scim/v2/Groups/stray").status_code == 404
    user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "sam"}
    assert ok(scim.post("/scim/v2/Users", json=user), 201)["groups"] == []
