"""Create/replace/read/delete and id rules of the APISIX Admin API (3.x).

Sources: the 3.5 Admin API page ("PUT creates with the specified id", "POST creates and assigns
a random id", 201 Created on create), and apisix/admin/resource.lua for the id rules and
messages ("wrong route id", "wrong route id, do not need it", 405 for unsupported methods).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from conformance.registry import conformance_test
from conformance.support.admin_api import expect, expect_error, route, upstream
from conformance.support.ids import unique_id, unique_username

PLUGIN_SET: dict[str, Any] = {"plugins": {"request-id": {}}}

# resource path -> a minimal valid body
RESOURCES: dict[str, dict[str, Any]] = {
    "routes": route("/crud"),
    "services": {"upstream": upstream()},
    "upstreams": upstream(),
    "global_rules": PLUGIN_SET,
    "plugin_configs": PLUGIN_SET,
    "consumer_groups": PLUGIN_SET,
}
POST_SUPPORTED = ["routes", "services", "upstreams"]
POST_UNSUPPORTED = ["global_rules", "plugin_configs", "consumer_groups"]


@conformance_test(
    name="resource-put-create-replace-delete",
    description="PUT of a new id answers 201, of an existing id 200; DELETE removes it",
    profile="apisix-v3",
    features=["admin-crud"],
)
@pytest.mark.parametrize("kind", list(RESOURCES))
def test_put_create_replace_delete(admin, kind):
    rid = unique_id(kind.rstrip("s"))
    created = expect(admin.put(f"/{kind}/{rid}", json=RESOURCES[kind]), 201)
    assert created["value"]["id"] == rid
    assert created["key"].endswith(f"/{kind}/{rid}")

    fetched = expect(admin.get(f"/{kind}/{rid}"), 200)
    assert fetched["value"]["id"] == rid

    replaced = expect(admin.put(f"/{kind}/{rid}", json=RESOURCES[kind]), 200)
    assert replaced["value"]["id"] == rid

    expect(admin.delete(f"/{kind}/{rid}"), 200)
    expect(admin.get(f"/{kind}/{rid}"), 404)


@conformance_test(
    name="resource-post-generates-id",
    description="POST creates the resource under a server-generated id that GET then finds",
    profile="apisix-v3",
    features=["admin-crud"],
)
@pytest.mark.parametrize("kind", POST_SUPPORTED)
def test_post_generates_id(admin, kind):
    first = expect(admin.post(f"/{kind}", json=RESOURCES[kind]), 200, 201)
    second = expect(admin.post(f"/{kind}", json=RESOURCES[kind]), 200, 201)
    ids = [first["value"]["id"], second["value"]["id"]]
    assert all(isinstance(i, str) and i for i in ids)
    assert ids[0] != ids[1]
    for rid in ids:
        assert expect(admin.get(f"/{kind}/{rid}"), 200)["value"]["id"] == rid


@conformance_test(
    name="resource-post-unsupported",
    description="resources created only by PUT answer 405 to POST",
    profile="apisix-v3",
    features=["admin-crud"],
)
@pytest.mark.parametrize("kind", POST_UNSUPPORTED)
def test_post_unsupported(admin, kind):
    expect_error(admin.post(f"/{kind}", json=RESOURCES[kind]), 405, "not supported `POST` method")


@conformance_test(
    name="route-id-rules",
    description="an id in the body must agree with the path; POST takes no id",
    profile="apisix-v3",
    features=["admin-crud"],
)
def test_id_rules(admin):
    rid = unique_id("route")
    expect_error(
        admin.put(f"/routes/{rid}", json={**route("/ids"), "id": rid + "x"}), 400, "wrong route id"
    )
    expect(admin.get(f"/routes/{rid}"), 404)

    expect(admin.put(f"/routes/{rid}", json={**route("/ids"), "id": rid}), 201)

    expect_error(
        admin.post("/routes", json={**route("/ids"), "id": unique_id("route")}),
        400,
        "wrong route id, do not need it",
    )


@conformance_test(
    name="route-id-syntax",
    description="ids outside 1..64 characters of [a-zA-Z0-9-_.] are refused with 400",
    profile="apisix-v3",
    features=["admin-crud"],
)
@pytest.mark.parametrize("bad_id", ["a*b", "a~b", "x" * 65, "caf%C3%A9"])
def test_id_syntax(admin, bad_id):
    response = admin.put(f"/routes/{bad_id}", json=route("/bad-id"))
    expect(response, 400)


@conformance_test(
    name="resource-timestamps",
    description="create_time is kept and update_time moves on replace and on PATCH",
    profile="apisix-v3",
    features=["admin-crud"],
)
def test_timestamps(admin):
    rid = unique_id("route")
    created = expect(admin.put(f"/routes/{rid}", json=route("/ts")), 201)["value"]
    assert isinstance(created["create_time"], int)
    assert isinstance(created["update_time"], int)
    assert abs(created["create_time"] - time.time()) < 120
    time.sleep(1.1)  # timestamps are epoch seconds
    replaced = expect(admin.put(f"/routes/{rid}", json=route("/ts2")), 200)["value"]
    assert replaced["create_time"] == created["create_time"]
    assert replaced["update_time"] > created["update_time"]
    time.sleep(1.1)
    patched = expect(admin.patch(f"/routes/{rid}", json={"desc": "patched"}), 200)["value"]
    assert patched["create_time"] == created["create_time"]
    assert patched["update_time"] > replaced["update_time"]


@conformance_test(
    name="route-defaults-filled",
    description="a stored route carries its documented defaults (status 1, priority 0)",
    profile="apisix-v3",
    features=["admin-crud"],
)
def test_route_defaults(admin):
    rid = unique_id("route")
    value = expect(admin.put(f"/routes/{rid}", json=route("/defaults")), 201)["value"]
    assert value["status"] == 1
    assert value["priority"] == 0
    assert value["uri"] == "/defaults"


@conformance_test(
    name="consumer-put-only",
    description="consumers are created by PUT with a username; POST and PATCH answer 405",
    profile="apisix-v3",
    features=["admin-crud"],
)
def test_consumer_put_only(admin):
    username = unique_username("jack")
    created = expect(admin.put("/consumers", json={"username": username}), 200, 201)
    assert created["value"]["username"] == username
    assert created["key"].endswith(f"/consumers/{username}")
    assert expect(admin.get(f"/consumers/{username}"), 200)["value"]["username"] == username

    expect(admin.put(f"/consumers/{username}", json={"username": username, "desc": "d"}), 200)
    expect_error(
        admin.put(f"/consumers/{username}", json={"username": username + "x"}),
        400,
        "wrong username",
    )
    expect(admin.post("/consumers", json={"username": unique_username("post")}), 405)
    expect(admin.patch(f"/consumers/{username}", json={"desc": "x"}), 405)

    expect(admin.delete(f"/consumers/{username}"), 200)
    expect(admin.get(f"/consumers/{username}"), 404)


@conformance_test(
    name="consumer-username-required",
    description="a consumer without username is refused naming the field",
    profile="apisix-v3",
    features=["admin-crud"],
)
def test_consumer_username_required(admin):
    expect_error(admin.put("/consumers", json={"desc": "nobody"}), 400, "username")


@conformance_test(
    name="resource-missing-is-404",
    description="GET, DELETE and PATCH of an id that does not exist answer 404",
    profile="apisix-v3",
    features=["admin-crud"],
)
@pytest.mark.parametrize("kind", ["routes", "services", "upstreams"])
def test_missing_is_404(admin, kind):
    rid = unique_id("absent")
    expect(admin.get(f"/{kind}/{rid}"), 404)
    expect(admin.delete(f"/{kind}/{rid}"), 404)
    expect(admin.patch(f"/{kind}/{rid}", json={"desc": "x"}), 404)
