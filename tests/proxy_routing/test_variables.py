"""nginx/APISIX variables resolved from a request."""

from __future__ import annotations

import pytest

from reference_impl.proxy.variables import invalidate, normalize_uri


@pytest.mark.parametrize(
    ("raw", "uri"),
    [
        ("/a/b", "/a/b"),
        ("/a//b", "/a/b"),
        ("/a/./b/../c", "/a/c"),
        ("/a%20b", "/a b"),
        ("/x/", "/x/"),
        ("/../..", "/"),
        ("", "/"),
    ],
)
def test_uri_normalisation(raw, uri):
    assert normalize_uri(raw) == uri


def test_request_variables(make_ctx):
    ctx = make_ctx(
        "post",
        "/p%2Fq/r?name=a%20b&name=second&flag&Upper=1",
        headers={
            "Host": "Example.COM:8443",
            "X-Forwarded-For": "1.1.1.1",
            "Cookie": "Token=abc; token=lower",
            "Content-Type": "text/plain",
        },
        remote="10.0.0.9",
    )
    assert ctx.var("uri") == "/p/q/r"
    assert ctx.var("request_uri") == "/p%2Fq/r?name=a%20b&name=second&flag&Upper=1"
    assert ctx.var("args") == ctx.var("query_string") == "name=a%20b&name=second&flag&Upper=1"
    assert ctx.var("is_args") == "?"
    assert ctx.var("arg_name") == "a b"
    assert ctx.var("arg_flag") == ""
    assert ctx.var("arg_upper") is None
    assert ctx.var("arg_Upper") == "1"
    assert ctx.var("http_x_forwarded_for") == "1.1.1.1"
    assert ctx.var("http_X-Forwarded-For") == "1.1.1.1"
    assert ctx.var("http_host") == "Example.COM:8443"
    assert ctx.var("host") == "example.com"
    assert ctx.var("cookie_Token") == "abc"
    assert ctx.var("cookie_token") == "lower"
    assert ctx.var("cookie_missing") is None
    assert ctx.var("content_type") == "text/plain"
    assert ctx.var("request_method") == "POST"
    assert ctx.var("remote_addr") == "10.0.0.9"
    assert ctx.var("remote_port") == "40000"
    assert ctx.var("server_addr") == "127.0.0.1"
    assert ctx.var("server_port") == "9080"
    assert ctx.var("scheme") == "http"
    assert ctx.var("server_name") == "_"
    assert ctx.var("no_such_variable") is None


def test_host_defaults_to_server_addr(make_ctx):
    ctx = make_ctx("GET", "/")
    ctx.request.headers.pop("host")
    assert ctx.var("host") == "127.0.0.1"


def test_context_variables_follow_the_ctx(make_ctx):
    ctx = make_ctx("GET", "/")
    assert ctx.var("consumer_name") is None
    ctx.consumer = {"username": "jack", "group_id": "gold"}
    ctx.consumer_name = "jack"
    ctx.route_id, ctx.service_id = "r1", "s1"
    ctx.route = {"id": "r1", "name": "orders"}
    assert ctx.var("consumer_name") == "jack"
    assert ctx.var("consumer_group_id") == "gold"
    assert (ctx.var("route_id"), ctx.var("service_id")) == ("r1", "s1")
    assert ctx.var("route_name") == "orders"


def test_cached_values_are_refreshed_after_invalidate(make_ctx):
    ctx = make_ctx("GET", "/?a=1")
    assert ctx.var("arg_a") == "1"
    ctx.request.query = "a=2"
    assert ctx.var("arg_a") == "1"
    invalidate(ctx)
    assert ctx.var("arg_a") == "2"
