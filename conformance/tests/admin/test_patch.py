"""PATCH merge semantics and sub-path PATCH, as the 3.5 Admin API page documents them.

Source: Admin API 3.5, "Add an upstream node to the Route" ... "Replace methods of the Route --
sub path": objects are merged, `null` deletes a key, arrays are replaced whole, and a PATCH to
/{id}/{path} replaces the value at that path.
"""

from __future__ import annotations

import pytest

from conformance.registry import conformance_test
from conformance.support.admin_api import expect, route
from conformance.support.ids import unique_id

A, B, C = "127.0.0.1:1980", "127.0.0.1:1981", "127.0.0.1:1982"


def _route_with_nodes(admin, **extra):
    rid = unique_id("route")
    body = route("/patch", methods=["PUT", "GET"], upstream={"type": "roundrobin", "nodes": {A: 1}})
    body.update(extra)
    expect(admin.put(f"/routes/{rid}", json=body), 201)
    return rid


@conformance_test(
    name="patch-merge-nested-objects",
    description="PATCH merges nested objects: a node is added, then its weight changed",
    profile="apisix-v3",
    features=["admin-patch"],
)
def test_patch_merges_nested_objects(admin):
    rid = _route_with_nodes(admin)
    value = expect(admin.patch(f"/routes/{rid}", json={"upstream": {"nodes": {B: 1}}}), 200)[
        "value"
    ]
    assert value["upstream"]["nodes"] == {A: 1, B: 1}
    assert value["upstream"]["type"] == "roundrobin"
    value = expect(admin.patch(f"/routes/{rid}", json={"upstream": {"nodes": {B: 10}}}), 200)[
        "value"
    ]
    assert value["upstream"]["nodes"] == {A: 1, B: 10}
    assert value["uri"] == "/patch"
    stored = expect(admin.get(f"/routes/{rid}"), 200)["value"]
    assert stored["upstream"]["nodes"] == {A: 1, B: 10}


@conformance_test(
    name="patch-null-deletes-key",
    description="PATCH with a null value deletes that key (a node, a top-level field)",
    profile="apisix-v3",
    features=["admin-patch"],
)
def test_patch_null_deletes(admin):
    rid = _route_with_nodes(admin, desc="to be removed")
    expect(admin.patch(f"/routes/{rid}", json={"upstream": {"nodes": {B: 10}}}), 200)
    value = expect(admin.patch(f"/routes/{rid}", json={"upstream": {"nodes": {A: None}}}), 200)[
        "value"
    ]
    assert value["upstream"]["nodes"] == {B: 10}
    value = expect(admin.patch(f"/routes/{rid}", json={"desc": None}), 200)["value"]
    assert "desc" not in value
    assert "desc" not in expect(admin.get(f"/routes/{rid}"), 200)["value"]


@conformance_test(
    name="patch-arrays-replaced",
    description="PATCH replaces arrays whole instead of merging them",
    profile="apisix-v3",
    features=["admin-patch"],
)
def test_patch_replaces_arrays(admin):
    rid = _route_with_nodes(admin)
    value = expect(admin.patch(f"/routes/{rid}", json={"methods": ["GET", "POST"]}), 200)["value"]
    assert value["methods"] == ["GET", "POST"]


@conformance_test(
    name="patch-sub-path-replaces",
    description="PATCH /routes/{id}/upstream/nodes and /methods replace the value at that path",
    profile="apisix-v3",
    features=["admin-patch"],
)
def test_patch_sub_path(admin):
    rid = _route_with_nodes(admin)
    expect(admin.patch(f"/routes/{rid}", json={"upstream": {"nodes": {B: 1}}}), 200)
    value = expect(admin.patch(f"/routes/{rid}/upstream/nodes", json={C: 1}), 200)["value"]
    assert value["upstream"]["nodes"] == {C: 1}
    value = expect(admin.patch(f"/routes/{rid}/methods", json=["POST", "DELETE", "PATCH"]), 200)[
        "value"
    ]
    assert value["methods"] == ["POST", "DELETE", "PATCH"]
    stored = expect(admin.get(f"/routes/{rid}"), 200)["value"]
    assert stored["upstream"]["nodes"] == {C: 1}
    assert stored["methods"] == ["POST", "DELETE", "PATCH"]
    assert stored["uri"] == "/patch"


@conformance_test(
    name="patch-status-toggle",
    description="PATCH {status: 0} disables a route and {status: 1} enables it again",
    profile="apisix-v3",
    features=["admin-patch"],
)
def test_patch_status(admin):
    rid = _route_with_nodes(admin)
    assert expect(admin.patch(f"/routes/{rid}", json={"status": 0}), 200)["value"]["status"] == 0
    assert expect(admin.patch(f"/routes/{rid}", json={"status": 1}), 200)["value"]["status"] == 1


@conformance_test(
    name="patch-upstream-and-service",
    description="PATCH works the same way on upstreams (nodes) and services (upstream.nodes)",
    profile="apisix-v3",
    features=["admin-patch"],
)
@pytest.mark.parametrize("kind", ["upstreams", "services"])
def test_patch_other_resources(admin, kind):
    rid = unique_id(kind.rstrip("s"))
    ups = {"type": "roundrobin", "nodes": {A: 1}}
    body = ups if kind == "upstreams" else {"upstream": ups}
    expect(admin.put(f"/{kind}/{rid}", json=body), 201)
    patch = {"nodes": {B: 1}} if kind == "upstreams" else {"upstream": {"nodes": {B: 1}}}
    value = expect(admin.patch(f"/{kind}/{rid}", json=patch), 200)["value"]
    nodes = value["nodes"] if kind == "upstreams" else value["upstream"]["nodes"]
    assert nodes == {A: 1, B: 1}
    sub_path = "nodes" if kind == "upstreams" else "upstream/nodes"
    value = expect(admin.patch(f"/{kind}/{rid}/{sub_path}", json={C: 1}), 200)["value"]
    nodes = value["nodes"] if kind == "upstreams" else value["upstream"]["nodes"]
    assert nodes == {C: 1}


@conformance_test(
    name="patch-result-is-validated",
    description="a PATCH that makes the resource invalid is refused and changes nothing",
    profile="apisix-v3",
    features=["admin-patch"],
)
def test_patch_result_validated(admin):
    rid = _route_with_nodes(admin)
    expect(admin.patch(f"/routes/{rid}", json={"uri": 1980}), 400)
    expect(admin.patch(f"/routes/{rid}", json={"upstream": {"nodes": {"127.0.0.1:1981": -1}}}), 400)
    stored = expect(admin.get(f"/routes/{rid}"), 200)["value"]
    assert stored["uri"] == "/patch"
    assert stored["upstream"]["nodes"] == {A: 1}


@conformance_test(
    name="patch-needs-object-body",
    description="a whole-resource PATCH needs a JSON object body",
    profile="apisix-v3",
    features=["admin-patch"],
)
def test_patch_needs_object(admin):
    rid = _route_with_nodes(admin)
    expect(admin.patch(f"/routes/{rid}", json="GET"), 400)  # "invalid configuration"
    expect(admin.patch(f"/routes/{rid}", content=b""), 400)  # "missing new configuration"
