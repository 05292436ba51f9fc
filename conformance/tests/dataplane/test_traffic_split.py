"""traffic-split: rules of `vars` matches choosing weighted upstreams.

Source: APISIX docs `plugins/traffic-split.md` and `t/plugin/traffic-split*.t`: the first rule
whose `match` holds (a rule without `match` always does) picks an upstream among its
`weighted_upstreams` by weighted round robin; an entry with only `weight` is the route's own
upstream; `upstream_id` refers to an upstream object; no rule holds: the route's upstream.
"""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import echo_upstream, put, wait_served
from conformance.support.traffic import Case, count_backends, expect_cases

REQUESTS = 60


def _split_route(admin, tag: str, path: str, rules: list, upstream: dict | None) -> None:
    route = {"uri": f"/{tag}/{path}", "plugins": {"traffic-split": {"rules": rules}}}
    if upstream is not None:
        route["upstream"] = upstream
    put(admin, f"/routes/{tag}-{path}", route)


@conformance_test(
    name="traffic-split-header-match",
    description="a request whose header matches the rule goes to the rule's upstream, "
    "others to the route's",
    profile="dataplane",
    features=["dp-traffic-split"],
)
def test_header_match(admin, dataplane, gw_target, echoes, tag):
    stable, canary = echoes("stable", "canary")
    rules = [
        {
            "match": [{"vars": [["http_x_release", "==", "canary"]]}],
            "weighted_upstreams": [{"upstream": echo_upstream(canary), "weight": 1}],
        }
    ]
    _split_route(admin, tag, "hdr", rules, echo_upstream(stable))
    path = f"/{tag}/hdr"
    cases = [
        Case(path, headers={"X-Release": "canary"}, backend="canary"),
        Case(path, headers={"X-Release": "other"}, backend="stable"),
        Case(path, backend="stable"),
    ]
    expect_cases(dataplane, cases, gw_target.timeouts)


@conformance_test(
    name="traffic-split-weights",
    description="weighted_upstreams 2:1 (plugin upstream : route upstream) share requests 2:1",
    profile="dataplane",
    features=["dp-traffic-split"],
)
def test_weights(admin, dataplane, gw_target, echoes, tag):
    route_echo, plugin_echo = echoes("route", "plugin")
    rules = [
        {
            "weighted_upstreams": [
                {"upstream": echo_upstream(plugin_echo), "weight": 2},
                {"weight": 1},
            ]
        }
    ]
    _split_route(admin, tag, "w", rules, echo_upstream(route_echo))
    # either upstream may answer: the route is in place once it answers 200 every time
    wait_served(dataplane, f"/{tag}/w", None, gw_target.timeouts)
    counts = count_backends(dataplane, f"/{tag}/w", REQUESTS)
    assert set(counts) == {"plugin", "route"}, counts
    assert abs(counts["plugin"] / REQUESTS - 2 / 3) <= 0.1, counts


@conformance_test(
    name="traffic-split-upstream-id",
    description="a rule's upstream_id sends matching requests to that upstream object",
    profile="dataplane",
    features=["dp-traffic-split"],
)
def test_upstream_id(admin, dataplane, gw_target, echoes, tag):
    route_echo, blue, green = echoes("route", "blue", "green")
    put(admin, f"/upstreams/{tag}-blue", echo_upstream(blue))
    put(admin, f"/upstreams/{tag}-green", echo_upstream(green))
    rules = [
        {
            "match": [{"vars": [["arg_release", "==", "blue"]]}],
            "weighted_upstreams": [{"upstream_id": f"{tag}-blue"}],
        },
        {
            "match": [{"vars": [["arg_release", "==", "green"]]}],
            "weighted_upstreams": [{"upstream_id": f"{tag}-green"}],
        },
    ]
    _split_route(admin, tag, "id", rules, echo_upstream(route_echo))
    path = f"/{tag}/id"
    cases = [
        Case(f"{path}?release=blue", backend="blue"),
        Case(f"{path}?release=green", backend="green"),
        Case(f"{path}?release=red", backend="route"),
    ]
    expect_cases(dataplane, cases, gw_target.timeouts)


@conformance_test(
    name="traffic-split-route-upstream-fallback",
    description="an entry with only `weight` and an unmatched rule both use the route's upstream",
    profile="dataplane",
    features=["dp-traffic-split"],
)
def test_route_upstream_fallback(admin, dataplane, gw_target, echoes, tag):
    route_echo, other = echoes("route", "other")
    rules = [
        {
            "match": [{"vars": [["arg_v", "==", "only-weight"]]}],
            "weighted_upstreams": [{"weight": 1}],
        },
        {
            "match": [{"vars": [["arg_v", "==", "other"]]}],
            "weighted_upstreams": [{"upstream": echo_upstream(other)}],
        },
    ]
    _split_route(admin, tag, "fb", rules, echo_upstream(route_echo))
    path = f"/{tag}/fb"
    cases = [
        Case(f"{path}?v=other", backend="other"),
        Case(f"{path}?v=only-weight", backend="route"),
        Case(f"{path}?v=none", backend="route"),
    ]
    expect_cases(dataplane, cases, gw_target.timeouts)


@conformance_test(
    name="traffic-split-schema",
    description="the Admin API lists traffic-split and rejects a bad `vars` expression with 400",
    profile="dataplane",
    features=["dp-traffic-split"],
)
def test_schema(admin, tag):
    listed = admin.get("/plugins/list")
    assert listed.status_code == 200
    assert "traffic-split" in listed.json()
    bad = {"rules": [{"match": [{"vars": [["arg_x", "no-such-op", "1"]]}]}]}
    response = admin.put(
        f"/routes/{tag}-bad",
        json={"uri": f"/{tag}/bad", "plugins": {"traffic-split": bad}},
    )
    assert response.status_code == 400, response.text
    assert "traffic-split" in response.json()["error_msg"]
