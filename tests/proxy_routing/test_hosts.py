"""Hosts: exact before wildcard, most specific wildcard first, host routes before hostless."""

from __future__ import annotations

import pytest

from reference_impl.proxy.router import Router

ROUTES = [
    {"id": "no-host", "uri": "/*", "priority": 100},
    {"id": "exact", "uri": "/*", "host": "api.example.com"},
    {"id": "wild", "uri": "/*", "hosts": ["*.example.com"]},
    {"id": "wild-deep", "uri": "/*", "hosts": ["*.eu.example.com"]},
    {"id": "only-admin", "uri": "/admin", "hosts": ["*.corp.test"]},
    {"id": "multi", "uri": "/m", "hosts": ["one.test", "two.test"]},
]

CASES = [
    ("api.example.com", "/x", "exact"),
    ("API.Example.COM:8080", "/x", "exact"),
    ("www.example.com", "/x", "wild"),
    ("a.b.example.com", "/x", "wild"),
    ("x.eu.example.com", "/x", "wild-deep"),
    ("example.com", "/x", "no-host"),
    ("other.test", "/x", "no-host"),
    ("a.corp.test", "/admin", "only-admin"),
    ("a.corp.test", "/other", "no-host"),
    ("one.test", "/m", "multi"),
    ("two.test", "/m", "multi"),
    ("three.test", "/m", "no-host"),
]


@pytest.mark.parametrize(("host", "target", "expected"), CASES)
def test_host_table(make_ctx, host, target, expected):
    ctx = make_ctx("GET", target, headers={"Host": host})
    assert Router(ROUTES).match(ctx)["id"] == expected


def test_wildcard_falls_back_to_shorter_wildcard_when_conditions_fail(make_ctx):
    router = Router(
        [
            {"id": "deep", "uri": "/*", "hosts": ["*.b.test"], "methods": ["POST"]},
            {"id": "shallow", "uri": "/*", "hosts": ["*.test"]},
        ]
    )
    assert router.match(make_ctx("GET", "/", headers={"host": "a.b.test"}))["id"] == "shallow"
    assert router.match(make_ctx("POST", "/", headers={"host": "a.b.test"}))["id"] == "deep"


def test_matched_host_is_the_route_pattern(make_ctx):
    ctx = make_ctx("GET", "/", headers={"host": "www.example.com"})
    Router(ROUTES).match(ctx)
    assert ctx.state["matched_host"] == "*.example.com"


def test_ipv6_host_header(make_ctx):
    router = Router([{"id": "v6", "uri": "/", "host": "[::1]"}])
    assert router.match(make_ctx("GET", "/", headers={"host": "[::1]:9080"}))["id"] == "v6"
