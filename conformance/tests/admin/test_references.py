"""References between resources and force delete.

Sources: Admin API 3.5 "Force Delete" (refused with "can not delete this upstream, route [1] is
still using it now", `force=anyvalue` still refused, `force=true` deletes and answers
{"deleted": "1", "key": ...}); apisix/admin/routes.lua and consumers.lua for the messages on
missing references ("failed to fetch upstream info by upstream id [X]", ...).
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.registry import conformance_test
from conformance.support.admin_api import expect, expect_error, route, upstream
from conformance.support.ids import unique_id, unique_username

MISSING_REFERENCES = [
    ("upstream_id", "failed to fetch upstream info by upstream id"),
    ("service_id", "failed to fetch service info by service id"),
    ("plugin_config_id", "failed to fetch plugin config info by plugin config id"),
]


@conformance_test(
    name="route-missing-reference",
    description="a route naming an upstream, service or plugin config that does not exist is 400",
    profile="apisix-v3",
    features=["admin-references"],
)
@pytest.mark.parametrize(("field", "message"), MISSING_REFERENCES)
def test_route_missing_reference(admin, field, message):
    rid, missing = unique_id("route"), unique_id("missing")
    body: dict[str, Any] = {"uri": "/ref", field: missing}
    if field == "plugin_config_id":
        body["upstream"] = upstream()
    expect_error(admin.put(f"/routes/{rid}", json=body), 400, message, f"[{missing}]")
    expect(admin.get(f"/routes/{rid}"), 404)


@conformance_test(
    name="consumer-missing-group",
    description="a consumer naming a consumer group that does not exist is 400",
    profile="apisix-v3",
    features=["admin-references"],
)
def test_consumer_missing_group(admin):
    missing = unique_id("group")
    body = {"username": unique_username("c"), "group_id": missing}
    expect_error(
        admin.put("/consumers", json=body),
        400,
        "failed to fetch consumer group info by consumer group id",
        f"[{missing}]",
    )


@conformance_test(
    name="upstream-force-delete",
    description="an upstream in use is not deleted, not even with force=anyvalue; force=true does",
    profile="apisix-v3",
    features=["admin-references"],
)
def test_upstream_force_delete(admin):
    uid, rid = unique_id("upstream"), unique_id("route")
    expect(admin.put(f"/upstreams/{uid}", json=upstream()), 201)
    # the seed uses uri "/*"; a unique prefix keeps this route from catching other tests' traffic
    expect(admin.put(f"/routes/{rid}", json={"uri": f"/{rid}/*", "upstream_id": uid}), 201)

    refusal = f"can not delete this upstream, route [{rid}] is still using it now"
    assert expect_error(admin.delete(f"/upstreams/{uid}"), 400) == refusal
    assert expect_error(admin.delete(f"/upstreams/{uid}", params={"force": "anyvalue"}), 400) == (
        refusal
    )
    expect(admin.get(f"/upstreams/{uid}"), 200)

    deleted = expect(admin.delete(f"/upstreams/{uid}", params={"force": "true"}), 200)
    assert deleted["deleted"] == "1"
    assert deleted["key"].endswith(f"/upstreams/{uid}")
    expect(admin.get(f"/upstreams/{uid}"), 404)


@conformance_test(
    name="upstream-delete-after-route-gone",
    description="once the route using an upstream is deleted, the upstream deletes normally",
    profile="apisix-v3",
    features=["admin-references"],
)
def test_upstream_delete_after_route(admin):
    uid, rid = unique_id("upstream"), unique_id("route")
    expect(admin.put(f"/upstreams/{uid}", json=upstream()), 201)
    expect(admin.put(f"/routes/{rid}", json={"uri": "/u", "upstream_id": uid}), 201)
    expect(admin.delete(f"/upstreams/{uid}"), 400)
    expect(admin.delete(f"/routes/{rid}"), 200)
    expect(admin.delete(f"/upstreams/{uid}"), 200)


@conformance_test(
    name="service-force-delete",
    description="a service used by a route is refused naming the route; force=true deletes",
    profile="apisix-v3",
    features=["admin-references"],
)
def test_service_force_delete(admin):
    sid, rid = unique_id("service"), unique_id("route")
    expect(admin.put(f"/services/{sid}", json={"upstream": upstream()}), 201)
    expect(admin.put(f"/routes/{rid}", json={"uri": "/s", "service_id": sid}), 201)
    expect_error(
        admin.delete(f"/services/{sid}"),
        400,
        f"can not delete this service directly, route [{rid}] is still using it now",
    )
    expect(admin.delete(f"/services/{sid}", params={"force": "true"}), 200)
    expect(admin.get(f"/services/{sid}"), 404)


@conformance_test(
    name="upstream-used-by-service",
    description="an upstream used by a service is refused naming the service",
    profile="apisix-v3",
    features=["admin-references"],
)
def test_upstream_used_by_service(admin):
    uid, sid = unique_id("upstream"), unique_id("service")
    expect(admin.put(f"/upstreams/{uid}", json=upstream()), 201)
    expect(admin.put(f"/services/{sid}", json={"upstream_id": uid}), 201)
    expect_error(
        admin.delete(f"/upstreams/{uid}"),
        400,
        f"can not delete this upstream, service [{sid}] is still using it now",
    )


@conformance_test(
    name="plugin-config-force-delete",
    description="a plugin config used by a route is refused naming the route; force=true deletes",
    profile="apisix-v3",
    features=["admin-references"],
)
def test_plugin_config_force_delete(admin):
    pid, rid = unique_id("pc"), unique_id("route")
    expect(admin.put(f"/plugin_configs/{pid}", json={"plugins": {"request-id": {}}}), 201)
    expect(admin.put(f"/routes/{rid}", json=route("/pc", plugin_config_id=pid)), 201)
    expect_error(
        admin.delete(f"/plugin_configs/{pid}"),
        400,
        f"can not delete this plugin config, route [{rid}] is still using it now",
    )
    expect(admin.delete(f"/plugin_configs/{pid}", params={"force": "true"}), 200)


@conformance_test(
    name="consumer-group-force-delete",
    description="a consumer group used by a consumer is refused; force=true deletes",
    profile="apisix-v3",
    features=["admin-references"],
)
def test_consumer_group_force_delete(admin):
    gid, username = unique_id("group"), unique_username("member")
    expect(admin.put(f"/consumer_groups/{gid}", json={"plugins": {"request-id": {}}}), 201)
    expect(admin.put("/consumers", json={"username": username, "group_id": gid}), 200, 201)
    expect_error(
        admin.delete(f"/consumer_groups/{gid}"),
        400,
        "can not delete this consumer group, consumer [",
        "is still using it now",
    )
    expect(admin.delete(f"/consumer_groups/{gid}", params={"force": "true"}), 200)
