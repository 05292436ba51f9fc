"""remote_addrs (IPv4/IPv6 CIDR) and vars conditions on routes."""

from __future__ import annotations

import pytest

from reference_impl.proxy.router import Router


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("192.168.1.7", "v4-cidr"),
        ("10.0.0.1", "v4-exact"),
        ("::ffff:10.0.0.1", "v4-exact"),
        ("fe80::1:2", "v6-cidr"),
        ("::1", "v6-exact"),
        ("10.0.0.2", "fallback"),
        ("2001:db8::1", "fallback"),
    ],
)
def test_remote_addrs(make_ctx, remote, expected):
    router = Router(
        [
            {"id": "v4-cidr", "uri": "/ip", "remote_addrs": ["192.168.1.0/24"]},
            {"id": "v4-exact", "uri": "/ip", "remote_addr": "10.0.0.1"},
            {"id": "v6-cidr", "uri": "/ip", "remote_addrs": ["fe80::/64"]},
            {"id": "v6-exact", "uri": "/ip", "remote_addrs": ["::1", "127.0.0.2"]},
            {"id": "fallback", "uri": "/ip", "priority": -1},
        ]
    )
    assert router.match(make_ctx("GET", "/ip", remote=remote))["id"] == expected


VARS_CASES = [
    ([["arg_name", "==", "json"]], "/v?name=json", True),
    ([["arg_name", "==", "json"]], "/v?name=xml", False),
    ([["arg_age", ">", 18]], "/v?age=19", True),
    ([["arg_age", ">", 18]], "/v?age=18", False),
    ([["arg_age", ">=", 18]], "/v?age=18", True),
    ([["arg_age", "<", 18]], "/v?age=abc", False),
    ([["arg_age", "<=", "18"]], "/v?age=0x10", True),
    ([["arg_n", "==", 5]], "/v?n=5.0", True),
    ([["arg_n", "~=", 5]], "/v?n=6", True),
    ([["arg_n", "~=", 5]], "/v", True),
    ([["arg_n", "~=", "a"]], "/v?n=a", False),
    ([["http_x_user", "~~", "^io"]], "/v", True),
    ([["http_x_user", "~~", "^IO"]], "/v", False),
    ([["http_x_user", "~*", "^IO"]], "/v", True),
    ([["arg_k", "in", ["a", "b"]]], "/v?k=b", True),
    ([["arg_k", "IN", ["a", "b"]]], "/v?k=c", False),
    ([["arg_k", "!", "in", ["a", "b"]]], "/v?k=c", True),
    ([["arg_k", "!", "==", "c"]], "/v?k=c", False),
    ([["remote_addr", "ipmatch", ["127.0.0.0/8"]]], "/v", True),
    ([["arg_k", "c"]], "/v?k=c", True),
    ([["arg_missing", "==", None]], "/v", True),
    ([["arg_a", "==", "1"], ["arg_b", "==", "2"]], "/v?a=1&b=2", True),
    ([["arg_a", "==", "1"], ["arg_b", "==", "2"]], "/v?a=1&b=3", False),
    (["OR", ["arg_a", "==", "1"], ["arg_b", "==", "2"]], "/v?b=2", True),
    (["OR", ["arg_a", "==", "1"], ["arg_b", "==", "2"]], "/v?b=3", False),
    (["!AND", ["arg_a", "==", "1"], ["arg_b", "==", "2"]], "/v?a=1&b=2", False),
    (["!OR", ["arg_a", "==", "1"], ["arg_b", "==", "2"]], "/v?a=3", True),
    (
        ["AND", ["arg_a", "==", "1"], ["OR", ["arg_b", "==", "2"], ["arg_c", "==", "3"]]],
        "/v?a=1&c=3",
        True,
    ),
    (
        ["AND", ["arg_a", "==", "1"], ["OR", ["arg_b", "==", "2"], ["arg_c", "==", "3"]]],
        "/v?a=1&c=4",
        False,
    ),
    ([["cookie_Session", "==", "abc"]], "/v", True),
    ([["cookie_session", "==", "abc"]], "/v", False),
    ([["http_x-user", "==", "ios"]], "/v", True),
]


@pytest.mark.parametrize(("rule", "target", "matches"), VARS_CASES)
def test_vars_operators(make_ctx, rule, target, matches):
    router = Router([{"id": "vars", "uri": "/v", "vars": rule}])
    ctx = make_ctx("GET", target, headers={"X-User": "ios", "Cookie": "Session=abc; b=2"})
    assert (router.match(ctx) is not None) is matches


def test_vars_failure_falls_through_to_lower_priority(make_ctx):
    router = Router(
        [
            {"id": "ios", "uri": "/app", "vars": [["http_user_agent", "~~", "iPhone"]]},
            {"id": "rest", "uri": "/app", "priority": -1},
        ]
    )
    iphone = make_ctx("GET", "/app", headers={"User-Agent": "Mozilla (iPhone)"})
    assert router.match(iphone)["id"] == "ios"
    assert router.match(make_ctx("GET", "/app"))["id"] == "rest"


@pytest.mark.parametrize(
    "rule",
    [
        [["arg_a", "<>", "1"]],
        ["arg_a", "==", "1"],
        [["arg_a", "not", "==", "1"]],
        ["AND", ["arg_a", "==", "1"]],
        [["arg_a", "~~", "("]],
    ],
)
def test_invalid_vars_route_is_left_out(make_ctx, rule):
    router = Router([{"id": "bad", "uri": "/v", "vars": rule}, {"id": "ok", "uri": "/*"}])
    assert router.match(make_ctx("GET", "/v"))["id"] == "ok"
    assert "bad" in router.skipped


@pytest.mark.parametrize(
    ("path", "headers", "expected"),
    [
        ("/f?userid=3", {}, "filtered"),
        ("/f?userid=4", {}, "fallback"),
        ("/f?userid=x", {}, "fallback"),  # tonumber gives nil: the filter raises
        ("/f", {"x-tier": "gold"}, "filtered"),
    ],
)
def test_filter_func(make_ctx, path, headers, expected):
    source = (
        "function(vars) if vars.http_x_tier == 'gold' then return true end "
        "return tonumber(vars.arg_userid) % 4 > 2 end"
    )
    router = Router(
        [
            {"id": "filtered", "uri": "/f", "filter_func": source},
            {"id": "fallback", "uri": "/f", "priority": -1},
        ]
    )
    found = router.match(make_ctx("GET", path, headers=headers))
    assert found is not None and found["id"] == expected


def test_a_filter_func_that_does_not_compile_leaves_its_route_out(make_ctx):
    router = Router([{"id": "bad", "uri": "/f", "filter_func": "function(vars) return"}])
    assert router.match(make_ctx("GET", "/f")) is None
    assert "'end' expected" in router.skipped["bad"]
