"""traffic-split on real traffic: rule matching, weights, upstream ids, inline upstreams and
the route's own upstream, against upstream servers on loopback."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from reference_impl.schema import SchemaError, check_plugins, plugin_names


def _nodes(*ups) -> dict:
    return {"type": "roundrobin", "nodes": {up.address: 1 for up in ups}}


def _served(url: str, count: int, **kwargs) -> Counter:
    names: Counter = Counter()
    with httpx.Client() as client:
        for _ in range(count):
            response = client.get(url, **kwargs)
            assert response.status_code == 200, response.text
            names[response.json()["upstream"]] += 1
    return names


def _split_route(gateway, rules: list, upstream: dict | None, route_id: str = "1") -> None:
    route = {"uri": "/split", "plugins": {"traffic-split": {"rules": rules}}}
    if upstream is not None:
        route["upstream"] = upstream
    gateway.put("routes", route_id, route)
    gateway.wait_config()


def test_header_match_picks_the_plugin_upstream(gateway, upstreams):
    route_up, canary = upstreams("route"), upstreams("canary")
    rules = [
        {
            "match": [{"vars": [["http_x_release", "==", "canary"]]}],
            "weighted_upstreams": [{"upstream": _nodes(canary), "weight": 1}],
        }
    ]
    _split_route(gateway, rules, _nodes(route_up))
    url = gateway.url + "/split"
    assert _served(url, 3, headers={"X-Release": "canary"}) == {"canary": 3}
    assert _served(url, 3, headers={"X-Release": "stable"}) == {"route": 3}
    assert _served(url, 2) == {"route": 2}


def test_weights_split_the_traffic(gateway, upstreams):
    route_up, plugin_up = upstreams("route"), upstreams("plugin")
    rules = [
        {
            "match": [{"vars": [["arg_name", "==", "jack"], ["arg_age", "!", "<", "16"]]}],
            "weighted_upstreams": [{"upstream": _nodes(plugin_up), "weight": 2}, {"weight": 1}],
        }
    ]
    _split_route(gateway, rules, _nodes(route_up))
    url = gateway.url + "/split"
    assert _served(url, 30, params={"name": "jack", "age": "16"}) == {"plugin": 20, "route": 10}
    # the expression fails: the route's upstream only (APISIX t/plugin/traffic-split.t TEST 9)
    assert _served(url, 4, params={"name": "jack", "age": "14"}) == {"route": 4}


def test_zero_weight_is_never_picked(gateway, upstreams):
    route_up, idle = upstreams("route"), upstreams("idle")
    rules = [{"weighted_upstreams": [{"upstream": _nodes(idle), "weight": 0}, {"weight": 1}]}]
    _split_route(gateway, rules, _nodes(route_up))
    assert _served(gateway.url + "/split", 5) == {"route": 5}


def test_upstream_id_shares_the_upstream_object(gateway, upstreams):
    route_up, first, second = upstreams("route"), upstreams("first"), upstreams("second")
    gateway.put("upstreams", "u1", _nodes(first, second))
    rules = [
        {
            "match": [{"vars": [["arg_to", "==", "u1"]]}],
            "weighted_upstreams": [{"upstream_id": "u1"}],
        }
    ]
    _split_route(gateway, rules, _nodes(route_up))
    # another route on the same upstream object: one balancer, so both routes alternate together
    gateway.put("routes", "2", {"uri": "/direct", "upstream_id": "u1"})
    gateway.wait_config()
    with httpx.Client() as client:
        picks = [
            client.get(gateway.url + "/split", params={"to": "u1"}).json()["upstream"],
            client.get(gateway.url + "/direct").json()["upstream"],
            client.get(gateway.url + "/split", params={"to": "u1"}).json()["upstream"],
            client.get(gateway.url + "/direct").json()["upstream"],
        ]
    assert Counter(picks) == {"first": 2, "second": 2}
    assert picks[0] != picks[1]
    assert _served(gateway.url + "/split", 2) == {"route": 2}


def test_first_matching_rule_wins_and_empty_match_always_holds(gateway, upstreams):
    route_up, a, b = upstreams("route"), upstreams("a"), upstreams("b")
    rules = [
        {
            "match": [{"vars": [["arg_v", "==", "a"]]}],
            "weighted_upstreams": [{"upstream": _nodes(a)}],
        },
        {"weighted_upstreams": [{"upstream": _nodes(b)}]},
    ]
    _split_route(gateway, rules, _nodes(route_up))
    url = gateway.url + "/split"
    assert _served(url, 2, params={"v": "a"}) == {"a": 2}
    assert _served(url, 2, params={"v": "x"}) == {"b": 2}


def test_inline_upstream_without_a_route_upstream(gateway, upstreams):
    only = upstreams("only")
    rules = [{"weighted_upstreams": [{"upstream": _nodes(only), "weight": 1}]}]
    _split_route(gateway, rules, None)
    assert _served(gateway.url + "/split", 2) == {"only": 2}


def test_deleted_upstream_id_answers_500(gateway, upstreams):
    route_up, target = upstreams("route"), upstreams("target")
    gateway.put("upstreams", "gone", _nodes(target))
    rules = [{"weighted_upstreams": [{"upstream_id": "gone", "weight": 1}]}]
    _split_route(gateway, rules, _nodes(route_up))
    assert _served(gateway.url + "/split", 1) == {"target": 1}
    gateway.delete("upstreams", "gone")
    gateway.wait_config()
    response = httpx.get(gateway.url + "/split")
    # APISIX t/plugin/traffic-split2.t TEST 20: the plugin answers 500
    assert response.status_code == 500
    assert response.text == "failed to fetch upstream info by upstream id: gone"


def test_route_timeout_applies_to_the_picked_upstream(gateway, upstreams):
    slow = upstreams("slow")
    slow.behave = lambda request: (200, 1.0, None)
    rules = [{"weighted_upstreams": [{"upstream": _nodes(slow)}]}]
    gateway.put(
        "routes",
        "1",
        {
            "uri": "/split",
            "timeout": {"connect": 1, "send": 1, "read": 0.2},
            "plugins": {"traffic-split": {"rules": rules}},
        },
    )
    gateway.wait_config()
    assert httpx.get(gateway.url + "/split").status_code == 504


def test_schema_registered_and_validated():
    assert "traffic-split" in plugin_names()
    checked = check_plugins({"traffic-split": {"rules": [{}]}})
    assert checked["traffic-split"]["rules"][0]["weighted_upstreams"] == [{"weight": 1}]
    with pytest.raises(SchemaError, match="failed to validate the 'vars' expression"):
        check_plugins({"traffic-split": {"rules": [{"match": [{"vars": [["a", "bad", "b"]]}]}]}})
    with pytest.raises(SchemaError, match="weight"):
        check_plugins({"traffic-split": {"rules": [{"weighted_upstreams": [{"weight": -1}]}]}})
