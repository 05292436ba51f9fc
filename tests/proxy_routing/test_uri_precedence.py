"""Route precedence on URIs: exact before prefix, longest prefix first, then priority."""

from __future__ import annotations

import pytest

from reference_impl.proxy.router import Router

ROUTES = [
    {"id": "catch-all", "uri": "/*"},
    {"id": "exact-ab", "uri": "/a/b"},
    {"id": "prefix-a", "uri": "/a/*"},
    {"id": "prefix-ab", "uri": "/a/b/*"},
    {"id": "glob-foo", "uri": "/foo*"},
    {"id": "dir-bar", "uri": "/bar/*"},
    {"id": "low", "uri": "/p", "priority": 1},
    {"id": "high", "uri": "/p", "priority": 10},
    {"id": "first-equal", "uri": "/same"},
    {"id": "second-equal", "uri": "/same"},
    {"id": "exact-x", "uri": "/x"},
    {"id": "prefix-x-priority", "uri": "/x*", "priority": 100},
    {"id": "post-only", "uri": "/m", "methods": ["POST"]},
    {"id": "many", "uris": ["/one", "/two/*"]},
    {"id": "middle-star", "uri": "/files/*/raw"},
    {"id": "colon-literal", "uri": "/users/:id"},
]

CASES = [
    ("/a/b", "exact-ab"),
    ("/a/b/c", "prefix-ab"),
    ("/a/b/", "prefix-ab"),
    ("/a/c", "prefix-a"),
    ("/a", "catch-all"),
    ("/foo", "glob-foo"),
    ("/foobar/x", "glob-foo"),
    ("/bar", "catch-all"),
    ("/bar/", "dir-bar"),
    ("/p", "high"),
    ("/same", "first-equal"),
    ("/x", "exact-x"),
    ("/xy", "prefix-x-priority"),
    ("/m", "catch-all"),
    ("/one", "many"),
    ("/two/three", "many"),
    ("/two", "catch-all"),
    ("/files/a/b/raw", "middle-star"),
    ("/files/a/b/other", "catch-all"),
    ("/users/:id", "colon-literal"),
    ("/users/7", "catch-all"),
    ("/", "catch-all"),
]


@pytest.mark.parametrize(("target", "expected"), CASES)
def test_precedence_table(make_ctx, target, expected):
    router = Router(ROUTES)
    route = router.match(make_ctx("GET", target))
    assert route is not None and route["id"] == expected


def test_method_condition_is_checked_before_falling_back(make_ctx):
    router = Router(ROUTES)
    assert router.match(make_ctx("POST", "/m"))["id"] == "post-only"
    assert router.match(make_ctx("GET", "/m"))["id"] == "catch-all"


def test_methods_list_and_head_is_not_get(make_ctx):
    router = Router([{"id": "r", "uri": "/h", "methods": ["GET", "PUT"]}])
    assert router.match(make_ctx("PUT", "/h"))["id"] == "r"
    assert router.match(make_ctx("HEAD", "/h")) is None
    assert router.match(make_ctx("DELETE", "/h")) is None


def test_priority_orders_routes_on_the_same_prefix(make_ctx):
    router = Router(
        [
            {"id": "low", "uri": "/api/*", "priority": -5},
            {"id": "mid", "uri": "/api/*"},
            {"id": "high", "uri": "/api/*", "priority": 3, "methods": ["POST"]},
        ]
    )
    assert router.match(make_ctx("POST", "/api/x"))["id"] == "high"
    assert router.match(make_ctx("GET", "/api/x"))["id"] == "mid"


def test_disabled_routes_never_match(make_ctx):
    router = Router([{"id": "off", "uri": "/s", "status": 0}, {"id": "on", "uri": "/*"}])
    assert router.match(make_ctx("GET", "/s"))["id"] == "on"
    assert Router([{"id": "off", "uri": "/s", "status": 0}]).match(make_ctx("GET", "/s")) is None


def test_no_route_matches(make_ctx):
    assert Router([{"id": "a", "uri": "/a"}]).match(make_ctx("GET", "/b")) is None
    assert Router([]).match(make_ctx("GET", "/")) is None


def test_matching_uses_the_normalised_uri(make_ctx):
    router = Router([{"id": "r", "uri": "/a b/c"}])
    assert router.match(make_ctx("GET", "/a%20b//x/../c"))["id"] == "r"


def test_match_records_matched_uri(make_ctx):
    ctx = make_ctx("GET", "/a/b/c")
    Router(ROUTES).match(ctx)
    assert ctx.state["matched_uri"] == "/a/b/*"
    assert ctx.state["matched_host"] == ""


def test_exact_uri_shortcut_keeps_priority_and_conditions(make_ctx):
    """An exact path whose best route has conditions is still checked in full; one whose
    best route has none is answered straight away, and records what it matched."""
    router = Router(
        [
            {"id": "plain-low", "uri": "/e", "priority": -1},
            {"id": "post-high", "uri": "/e", "priority": 5, "methods": ["POST"]},
            {"id": "only", "uri": "/only"},
            {"id": "prefix", "uri": "/only*", "priority": 100},
        ]
    )
    assert router.match(make_ctx("POST", "/e"))["id"] == "post-high"
    assert router.match(make_ctx("GET", "/e"))["id"] == "plain-low"
    ctx = make_ctx("GET", "/only")
    assert router.match(ctx)["id"] == "only"  # exact before prefix, whatever the priority
    assert ctx.state["matched_uri"] == "/only"
    assert ctx.state["matched_host"] == ""
