"""Paging and filtering of resource lists (Admin API 3.5, "Support paging query" and
"Support filtering query").

Paging: `page` (default 1, from 1) and `page_size` (10..500); `total` counts every matching
resource, `list` holds one page, in creation order (apisix/admin/v3_adapter.lua sorts by
createdIndex). A page_size outside 10..500 is 400 ("page_size must be between 10 and 500").
Filters: `name` and `uri` match resources whose value contains the query (APISIX applies them
as a regular-expression search); `label` keeps resources that have a label of that name
(v3_adapter.lua compares label keys); several filters intersect. Each test creates its own
resources under a unique name, so the target's other data never counts.
"""

from __future__ import annotations

import pytest

from conformance.registry import conformance_test
from conformance.support.admin_api import expect, list_values, route, upstream
from conformance.support.ids import unique_id


def _create_routes(admin, tag: str, count: int) -> list[str]:
    ids = []
    for i in range(count):
        rid = f"{tag}-{i:02d}"
        expect(admin.put(f"/routes/{rid}", json=route(f"/{tag}/{i}", name=f"{tag}-n{i}")), 201)
        ids.append(rid)
    return ids


@conformance_test(
    name="list-pagination",
    description="page and page_size cut the filtered list into pages; total counts them all",
    profile="apisix-v3",
    features=["admin-pagination"],
)
def test_pagination(admin):
    tag = unique_id("page")
    ids = _create_routes(admin, tag, 12)
    pages = []
    for page in (1, 2, 3):
        body = expect(
            admin.get("/routes", params={"name": tag, "page": page, "page_size": 10}), 200
        )
        assert body["total"] == 12, body
        pages.append([value["id"] for value in list_values(body)])
    assert pages[0] == ids[:10]
    assert pages[1] == ids[10:]
    assert pages[2] == []


@conformance_test(
    name="list-page-size-bounds",
    description="page_size outside 10..500 is refused with 400; the bounds themselves are fine",
    profile="apisix-v3",
    features=["admin-pagination"],
)
@pytest.mark.parametrize(
    ("page_size", "status"), [(9, 400), (501, 400), (0, 400), (10, 200), (500, 200)]
)
def test_page_size_bounds(admin, page_size, status):
    response = admin.get("/routes", params={"page": 1, "page_size": page_size})
    expect(response, status)
    if status == 400:
        assert "page_size must be between 10 and 500" in response.text


@conformance_test(
    name="list-pagination-other-resources",
    description="every listed resource kind pages the same way (upstreams, services)",
    profile="apisix-v3",
    features=["admin-pagination"],
)
@pytest.mark.parametrize("kind", ["upstreams", "services"])
def test_pagination_other_kinds(admin, kind):
    tag = unique_id("pg")
    for i in range(11):
        body = upstream() if kind == "upstreams" else {"upstream": upstream()}
        expect(admin.put(f"/{kind}/{tag}-{i:02d}", json={**body, "name": f"{tag}-{i}"}), 201)
    second = expect(admin.get(f"/{kind}", params={"name": tag, "page": 2, "page_size": 10}), 200)
    assert second["total"] == 11
    assert [v["id"] for v in list_values(second)] == [f"{tag}-10"]


@conformance_test(
    name="list-filter-name",
    description="name= keeps resources whose name contains the query; nameless ones never match",
    profile="apisix-v3",
    features=["admin-filters"],
)
def test_filter_name(admin):
    tag = unique_id("fname")
    expect(admin.put(f"/routes/{tag}-a", json=route("/a", name=f"{tag}-alpha")), 201)
    expect(admin.put(f"/routes/{tag}-b", json=route("/b", name=f"{tag}-beta")), 201)
    expect(admin.put(f"/routes/{tag}-c", json=route("/c")), 201)
    body = expect(admin.get("/routes", params={"name": tag}), 200)
    assert sorted(v["id"] for v in list_values(body)) == [f"{tag}-a", f"{tag}-b"]
    assert body["total"] == 2
    body = expect(admin.get("/routes", params={"name": f"{tag}-alp"}), 200)
    assert [v["id"] for v in list_values(body)] == [f"{tag}-a"]


@conformance_test(
    name="list-filter-label",
    description="label= keeps resources that carry that label",
    profile="apisix-v3",
    features=["admin-filters"],
)
def test_filter_label(admin):
    tag = unique_id("flabel")
    label = tag.replace("-", "_")
    expect(admin.put(f"/routes/{tag}-a", json=route("/a", labels={label: "v1"})), 201)
    expect(admin.put(f"/routes/{tag}-b", json=route("/b", labels={"other": "v1"})), 201)
    body = expect(admin.get("/routes", params={"label": label}), 200)
    assert [v["id"] for v in list_values(body)] == [f"{tag}-a"]
    assert body["total"] == 1


@conformance_test(
    name="list-filter-uri",
    description="uri= keeps routes whose uri, or one of whose uris, contains the query",
    profile="apisix-v3",
    features=["admin-filters"],
)
def test_filter_uri(admin):
    tag = unique_id("furi")
    expect(admin.put(f"/routes/{tag}-a", json=route(f"/{tag}/foo")), 201)
    body_b = route("/x", uris=[f"/{tag}/bar", f"/{tag}/foo2"])
    del body_b["uri"]
    expect(admin.put(f"/routes/{tag}-b", json=body_b), 201)
    expect(admin.put(f"/routes/{tag}-c", json=route(f"/{tag}/baz")), 201)
    body = expect(admin.get("/routes", params={"uri": f"{tag}/foo"}), 200)
    assert sorted(v["id"] for v in list_values(body)) == [f"{tag}-a", f"{tag}-b"]
    body = expect(admin.get("/routes", params={"uri": f"{tag}/baz"}), 200)
    assert [v["id"] for v in list_values(body)] == [f"{tag}-c"]


@conformance_test(
    name="list-filter-intersection",
    description="several filters intersect: name and uri and label must all match",
    profile="apisix-v3",
    features=["admin-filters"],
)
def test_filter_intersection(admin):
    tag = unique_id("fboth")
    label = tag.replace("-", "_")
    expect(
        admin.put(
            f"/routes/{tag}-a", json=route(f"/{tag}/foo", name=f"{tag}-test", labels={label: "1"})
        ),
        201,
    )
    expect(admin.put(f"/routes/{tag}-b", json=route(f"/{tag}/foo", name=f"{tag}-other")), 201)
    expect(admin.put(f"/routes/{tag}-c", json=route(f"/{tag}/bar", name=f"{tag}-test")), 201)
    body = expect(admin.get("/routes", params={"name": f"{tag}-test", "uri": f"{tag}/foo"}), 200)
    assert [v["id"] for v in list_values(body)] == [f"{tag}-a"]
    body = expect(admin.get("/routes", params={"name": tag, "label": label}), 200)
    assert [v["id"] for v in list_values(body)] == [f"{tag}-a"]
    body = expect(admin.get("/routes", params={"name": f"{tag}-other", "uri": f"{tag}/bar"}), 200)
    assert list_values(body) == []
    assert body["total"] == 0


@conformance_test(
    name="list-filter-with-pagination",
    description="filters apply before paging: total is the filtered count",
    profile="apisix-v3",
    features=["admin-filters", "admin-pagination"],
)
def test_filter_then_page(admin):
    tag = unique_id("fpage")
    ids = _create_routes(admin, tag, 11)
    body = expect(
        admin.get("/routes", params={"name": f"{tag}-n1", "page": 1, "page_size": 10}), 200
    )
    # names tag-n1 and tag-n10 contain "tag-n1"
    assert body["total"] == 2
    assert [v["id"] for v in list_values(body)] == [ids[1], ids[10]]
