"""Bad input: a clear 4xx with an `error_msg`, never a 5xx, and the gateway keeps serving.

Sources: apisix/admin/init.lua ("invalid request body: ..." for bodies that are not JSON, a
body limit of 1.5 MiB, "Unsupported resource type: X" with 404), resource.lua ("missing
configurations"), and the project rule that user errors never produce a 5xx.
"""

from __future__ import annotations

import pytest

from conformance.registry import conformance_test
from conformance.support.admin_api import error_msg, expect, route
from conformance.support.ids import unique_id

NESTING = 5000

BAD_BODIES = {
    "malformed-json": b'{"uri": "/x", ',
    "not-json": b"uri=/x",
    "json-string": b'"just a string"',
    "json-number": b"42",
    "json-null": b"null",
    "json-array-of-numbers": b"[1, 2, 3]",
    "invalid-utf8": b'{"uri": "/\xff\xfe"}',
    "deep-nesting": b'{"uri": "/x", "desc": ' + b"[" * NESTING + b"]" * NESTING + b"}",
    "oversized": b'{"uri": "/x", "desc": "' + b"a" * (2 * 1024 * 1024) + b'"}',
}


def _assert_clean_4xx(response) -> None:
    assert 400 <= response.status_code < 500, (
        f"{response.request.method} {response.request.url}: expected a 4xx, "
        f"got {response.status_code} {response.text[:300]!r}"
    )
    # a 413 from a front proxy may be plain text; everything else must be APISIX-style JSON
    if response.status_code != 413:
        assert error_msg(response)


def _assert_still_serving(admin) -> None:
    expect(admin.get("/routes"), 200)
    rid = unique_id("alive")
    expect(admin.put(f"/routes/{rid}", json=route("/alive")), 201)


@conformance_test(
    name="bad-request-bodies",
    description="malformed, non-object, deeply nested or oversized bodies get a clear 4xx",
    profile="apisix-v3",
    features=["admin-bad-input"],
)
@pytest.mark.parametrize("method", ["PUT", "POST", "PATCH"])
@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_bad_bodies(admin, method, case):
    rid = unique_id("bad")
    if method == "PATCH":
        expect(admin.put(f"/routes/{rid}", json=route("/bad")), 201)
    path = "/routes" if method == "POST" else f"/routes/{rid}"
    response = admin.request(
        method, path, content=BAD_BODIES[case], headers={"Content-Type": "application/json"}
    )
    _assert_clean_4xx(response)
    _assert_still_serving(admin)


@conformance_test(
    name="bad-resource-and-paths",
    description="unknown resource types and malformed paths are 4xx with error_msg",
    profile="apisix-v3",
    features=["admin-bad-input"],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/no_such_resource"),
        ("PUT", "/no_such_resource/1"),
        ("GET", "/routes/a%00b"),
        ("PUT", "/routes/" + "x" * 300),
        ("PUT", "/routes/..%2F..%2Fetc"),
        ("DELETE", "/routes/%ff%fe"),
    ],
)
def test_bad_paths(admin, method, path):
    response = admin.request(method, path, json=route("/bad-path"))
    assert 400 <= response.status_code < 500, (
        f"{method} {path}: {response.status_code} {response.text[:200]!r}"
    )
    _assert_still_serving(admin)


@conformance_test(
    name="unknown-resource-type",
    description="an unknown resource type answers 404 naming it",
    profile="apisix-v3",
    features=["admin-bad-input"],
)
def test_unknown_resource_type(admin):
    response = admin.get("/no_such_resource")
    expect(response, 404)
    assert "no_such_resource" in error_msg(response)


@conformance_test(
    name="wrong-field-types-everywhere",
    description="wrong JSON types in every kind of resource are 400, never 5xx",
    profile="apisix-v3",
    features=["admin-bad-input"],
)
@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("routes", {"uri": "/x", "upstream": "not-an-object"}),
        ("routes", {"uri": "/x", "plugins": "not-an-object"}),
        ("routes", {"uri": "/x", "plugins": {"key-auth": "not-an-object"}}),
        ("routes", {"uri": "/x", "upstream": {"nodes": [{"host": 1}]}}),
        ("services", {"upstream": {"nodes": "x"}}),
        ("upstreams", {"nodes": None}),
        ("upstreams", {"nodes": {"127.0.0.1:1980": 1}, "checks": "yes"}),
        ("global_rules", {"plugins": []}),
        ("plugin_configs", {"plugins": {"limit-count": []}}),
        ("consumer_groups", {"plugins": 7}),
        ("ssls", {"cert": 1, "key": 2, "snis": "x"}),
    ],
)
def test_wrong_types(admin, kind, body):
    response = admin.put(f"/{kind}/{unique_id('types')}", json=body)
    _assert_clean_4xx(response)
    _assert_still_serving(admin)


@conformance_test(
    name="oversized-body-is-400",
    description="a body over 1.5 MiB is 400 'invalid request body: request size N is greater ...'",
    profile="apisix-v3",
    features=["admin-bad-input"],
)
def test_oversized_body_is_400(admin):
    # t/admin/routes4.t "route size more than 1.5 MiB": core.request.get_body's error, which
    # apisix/admin/init.lua answers with 400 and "invalid request body: " before it
    rid = unique_id("big")
    content = (
        b'{"uri": "/index.html", "upstream": {"nodes": {"127.0.0.1:1980": 1}, '
        b'"type": "roundrobin"}, "desc": "' + b"a" * int(1024 * 1024 * 1.6) + b'"}'
    )
    response = admin.put(
        f"/routes/{rid}", content=content, headers={"Content-Type": "application/json"}
    )
    expect(response, 400)
    assert error_msg(response) == (
        f"invalid request body: request size {len(content)} is greater than the maximum "
        "size 1572864 allowed"
    )
    expect(admin.get(f"/routes/{rid}"), 404)
