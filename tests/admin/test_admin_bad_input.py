"""Bad input gets a clear 4xx with error_msg, never a 5xx, and the app keeps serving."""

from __future__ import annotations

import json

import pytest

from reference_impl.store import MemoryStore, RevisionConflict, StoreUnavailable

from .conftest import UPSTREAM, make_client


@pytest.mark.parametrize(
    "content, headers, start",
    [
        (b"{bad", {}, "invalid request body: "),
        (b"\xff\xfe", {}, "invalid request body: "),
        (
            b"uri=/a&x=1",
            {"content-type": "application/x-www-form-urlencoded"},
            "invalid request body: ",
        ),
        (b"[1, 2]", {}, "invalid configuration: wrong type: expected object, got array"),
        (b'"text"', {}, "invalid configuration: wrong type: expected object, got string"),
        (b"", {}, "missing configurations"),
        (b"null", {}, "missing configurations"),
        (b"[" * 200 + b"]" * 200, {}, "invalid request body: nesting deeper than 128 levels"),
        (b"[" * 5000 + b"]" * 5000, {}, "invalid request body: "),
    ],
    ids=["malformed", "not-utf8", "form", "array", "string", "empty", "null", "deep", "very-deep"],
)
def test_bad_bodies_are_400(api, content, headers, start):
    resp = api.put("/routes/1", content=content, headers=headers)
    assert resp.status_code == 400
    assert resp.json()["error_msg"].startswith(start)
    assert api.get("/routes").status_code == 200


def test_json_body_with_curl_content_type_is_accepted(api):
    """curl -d sends application/x-www-form-urlencoded; APISIX reads the body as JSON."""
    body = json.dumps({"uri": "/a", "upstream": UPSTREAM})
    headers = {"content-type": "application/x-www-form-urlencoded"}
    assert api.put("/routes/1", content=body, headers=headers).status_code == 201


def test_oversized_body_is_400(api):
    """t/admin/routes4.t: core.request.get_body's error, answered 400 by admin/init.lua."""
    big = json.dumps({"uri": "/a", "desc": "x" * (2 * 1024 * 1024)})
    resp = api.put("/routes/1", content=big)
    assert resp.status_code == 400
    assert resp.json() == {
        "error_msg": f"invalid request body: request size {len(big)} is greater than the "
        "maximum size 1572864 allowed"
    }
    assert api.get("/routes").status_code == 200


def test_oversized_chunked_body_names_its_whole_size(api):
    """Without a Content-Length the whole body is read before its size is named."""
    chunks = [b'{"uri": "/a", "desc": "'] + [b"x" * 65536] * 40 + [b'"}']
    resp = api.put("/routes/1", content=iter(chunks))
    assert resp.status_code == 400
    size = sum(len(c) for c in chunks)
    assert resp.json()["error_msg"] == (
        f"invalid request body: request size {size} is greater than the maximum size "
        "1572864 allowed"
    )
    assert api.get("/routes/1").status_code == 404


def test_unknown_resource_and_paths(api):
    resp = api.get("/routs")
    assert (resp.status_code, resp.json()) == (
        404,
        {"error_msg": "Unsupported resource type: routs"},
    )
    outside = api.get("http://testserver/other")
    assert outside.status_code == 404 and "error_msg" in outside.json()
    assert api.request("OPTIONS", "/routes").status_code == 405
    assert api.head("http://testserver/apisix/admin").status_code == 200


def test_bad_ttl_is_400(api):
    for ttl in ("abc", "-1", "inf"):
        resp = api.put(f"/routes/1?ttl={ttl}", json={"uri": "/a", "upstream": UPSTREAM})
        assert resp.status_code == 400
        assert resp.json() == {"error_msg": "invalid argument ttl: should be a number"}


class _DownStore(MemoryStore):
    def get(self, key):
        raise StoreUnavailable("etcd at 127.0.0.1:1 is not answering")

    def range(self, prefix):
        raise StoreUnavailable("etcd at 127.0.0.1:1 is not answering")


def test_unavailable_store_is_503_with_error_msg():
    store = _DownStore()
    with make_client(store) as api:
        for resp in (
            api.get("/routes"),
            api.put("/routes/1", json={"uri": "/a", "upstream": UPSTREAM}),
        ):
            assert resp.status_code == 503
            assert "not answering" in resp.json()["error_msg"]
    store.close()


class _AlwaysConflictingStore(MemoryStore):
    """Another writer wins every compare-and-swap."""

    def put(self, key, value, *, expect_mod_revision=None, ttl=None):
        if expect_mod_revision is not None and not key.endswith("/gen_id"):
            raise RevisionConflict(key, expect_mod_revision, expect_mod_revision + 1)
        return super().put(key, value, expect_mod_revision=expect_mod_revision, ttl=ttl)


def test_a_patch_that_keeps_losing_compare_and_swap_is_409_and_a_put_applies():
    """APISIX's PATCH is an atomic set that fails when the object changed meanwhile; its PUT
    is a plain set, which always applies."""
    store = _AlwaysConflictingStore()
    with make_client(store) as api:
        resp = api.put("/routes/1", json={"uri": "/a", "upstream": UPSTREAM})
        assert resp.status_code == 201
        resp = api.patch("/routes/1", json={"uri": "/b"})
        assert resp.status_code == 409
        assert resp.json() == {"error_msg": "value changed before overwritten"}
        assert api.get("/routes/1").json()["value"]["uri"] == "/a"
        assert api.get("/routes").status_code == 200
    store.close()
