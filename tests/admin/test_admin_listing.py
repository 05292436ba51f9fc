"""List queries: pagination (page, page_size 10..500) and the name/label/uri filters."""

from __future__ import annotations

import pytest

from .conftest import UPSTREAM, put_ok


def _ids(resp):
    assert resp.status_code == 200, resp.text
    return [item["value"]["id"] for item in resp.json()["list"]]


def test_pagination_in_creation_order(api):
    ids = [f"r{n}" for n in range(25)]
    for rid in ids:
        put_ok(api, f"/routes/{rid}", {"uri": f"/{rid}", "upstream": UPSTREAM})
    first = api.get("/routes?page=1&page_size=10")
    assert _ids(first) == ids[:10]
    assert first.json()["total"] == 25
    assert _ids(api.get("/routes?page=3&page_size=10")) == ids[20:]
    assert _ids(api.get("/routes?page=4&page_size=10")) == []
    assert _ids(api.get("/routes?page_size=10")) == ids[:10]
    assert len(_ids(api.get("/routes"))) == 25


@pytest.mark.parametrize(
    "query, message",
    [
        ("page=1&page_size=9", "page_size must be between 10 and 500"),
        ("page=1&page_size=501", "page_size must be between 10 and 500"),
        ("page=1&page_size=abc", "page_size must be between 10 and 500"),
        ("page=0&page_size=10", "page must be an integer of at least 1"),
        ("page=x&page_size=10", "page must be an integer of at least 1"),
    ],
)
def test_bad_pagination_is_400(api, query, message):
    resp = api.get(f"/routes?{query}")
    assert resp.status_code == 400
    assert resp.json() == {"error_msg": message}


def test_filters_by_name_label_and_uri(api):
    put_ok(
        api,
        "/routes/1",
        {"uri": "/foo/1", "name": "test-a", "labels": {"env": "prod"}, "upstream": UPSTREAM},
    )
    put_ok(
        api,
        "/routes/2",
        {"uris": ["/x", "/foo/2"], "name": "other", "labels": {"env": "dev"}, "upstream": UPSTREAM},
    )
    put_ok(api, "/routes/3", {"uri": "/bar", "upstream": UPSTREAM})
    assert _ids(api.get("/routes?name=test")) == ["1"]
    assert _ids(api.get("/routes?uri=foo")) == ["1", "2"]
    assert _ids(api.get("/routes?label=env")) == ["1", "2"]
    assert _ids(api.get("/routes?label=env:dev")) == ["2"]
    assert _ids(api.get("/routes?name=test&uri=foo&label=")) == ["1"]
    assert _ids(api.get("/routes?name=nomatch")) == []
    resp = api.get("/routes?uri=foo&page=1&page_size=10")
    assert resp.json()["total"] == 2


def test_filters_apply_to_other_resources(api):
    put_ok(api, "/upstreams/1", {**UPSTREAM, "name": "alpha"})
    put_ok(api, "/upstreams/2", {**UPSTREAM, "name": "beta"})
    put_ok(api, "/services/1", {"upstream_id": "1", "name": "alpha-svc"})
    assert _ids(api.get("/upstreams?name=alp")) == ["1"]
    assert _ids(api.get("/services?name=alpha")) == ["1"]
