"""Configuration changes reach the data plane: new routes serve, updates move traffic,
deleted routes stop matching (Admin API 3.5: resources written through the Admin API are what
the gateway serves; the data plane follows the store, so checks retry until the target's
timeout).
"""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.admin_api import expect
from conformance.support.dataplane_setup import echo_upstream, put
from conformance.support.traffic import Case, expect_cases


@conformance_test(
    name="propagation-route-lifecycle",
    description="a created route serves, a replaced one serves its new upstream, a deleted one 404s",
    profile="dataplane",
    features=["dp-config-propagation"],
)
def test_route_lifecycle(admin, dataplane, gw_target, echoes, tag):
    old, new = echoes("old", "new")
    path = f"/{tag}/life"
    expect_cases(dataplane, [Case(path, status=404)], gw_target.timeouts)
    put(admin, f"/routes/{tag}", {"uri": path, "upstream": echo_upstream(old)})
    expect_cases(dataplane, [Case(path, backend="old")], gw_target.timeouts)
    put(admin, f"/routes/{tag}", {"uri": path, "upstream": echo_upstream(new)})
    expect_cases(dataplane, [Case(path, backend="new")], gw_target.timeouts)
    expect(admin.delete(f"/routes/{tag}"), 200)
    expect_cases(dataplane, [Case(path, status=404)], gw_target.timeouts)


@conformance_test(
    name="propagation-uri-change",
    description="changing a route's uri makes the old uri 404 and the new one serve",
    profile="dataplane",
    features=["dp-config-propagation"],
)
def test_uri_change(admin, dataplane, gw_target, echo, tag):
    put(admin, f"/routes/{tag}", {"uri": f"/{tag}/before", "upstream": echo_upstream(echo)})
    expect_cases(dataplane, [Case(f"/{tag}/before", backend="echo")], gw_target.timeouts)
    expect(admin.patch(f"/routes/{tag}", json={"uri": f"/{tag}/after"}), 200)
    expect_cases(
        dataplane,
        [Case(f"/{tag}/after", backend="echo"), Case(f"/{tag}/before", status=404)],
        gw_target.timeouts,
    )


@conformance_test(
    name="propagation-shared-upstream",
    description="updating an upstream object moves the traffic of every route that references it",
    profile="dataplane",
    features=["dp-config-propagation"],
)
def test_shared_upstream(admin, dataplane, gw_target, echoes, tag):
    first, second = echoes("first", "second")
    put(admin, f"/upstreams/{tag}", echo_upstream(first))
    put(admin, f"/routes/{tag}-1", {"uri": f"/{tag}/one", "upstream_id": tag})
    put(admin, f"/routes/{tag}-2", {"uri": f"/{tag}/two", "upstream_id": tag})
    expect_cases(
        dataplane,
        [Case(f"/{tag}/one", backend="first"), Case(f"/{tag}/two", backend="first")],
        gw_target.timeouts,
    )
    expect(admin.patch(f"/upstreams/{tag}/nodes", json={second.node: 1}), 200)
    expect_cases(
        dataplane,
        [Case(f"/{tag}/one", backend="second"), Case(f"/{tag}/two", backend="second")],
        gw_target.timeouts,
    )


@conformance_test(
    name="propagation-many-routes",
    description="a batch of 50 routes written at once all serve, then all stop after deletion",
    profile="dataplane",
    features=["dp-config-propagation"],
)
def test_many_routes(admin, dataplane, gw_target, echo, tag):
    count = 50
    for i in range(count):
        put(admin, f"/routes/{tag}-{i}", {"uri": f"/{tag}/r{i}", "upstream": echo_upstream(echo)})
    expect_cases(
        dataplane, [Case(f"/{tag}/r{i}", backend="echo") for i in range(count)], gw_target.timeouts
    )
    for i in range(count):
        expect(admin.delete(f"/routes/{tag}-{i}"), 200)
    expect_cases(
        dataplane, [Case(f"/{tag}/r{i}", status=404) for i in range(count)], gw_target.timeouts
    )
