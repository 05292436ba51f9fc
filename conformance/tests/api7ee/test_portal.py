"""The provider portal of API7 Enterprise 3.9.9 (seed: Developer Portal Settings, DCR
Provider, API Product, Portal Instance, Portal Token, Developer, Approval, File).

Of these operations, API7's public documentation gives the path of two: creating an API
product (`POST /api/api_products?portal_id=`) and listing developers
(`GET /api/developers?portal_id=`); they are Core (`ee-portal`). The paths of the others
are inferred from the seed's titles and parameters (`ee-portal-inferred`, Extended)."""

from __future__ import annotations

from typing import Any

from conformance.registry import conformance_test
from conformance.support.ids import unique_id

from .ee_client import body_of, items
from .portal_client import DEFAULT_PORTAL


def _names(listing: dict) -> list[str]:
    return [item["name"] for item in items(listing)]


@conformance_test(
    name="ee-portal-api-product-create",
    description="an API product is created on the default portal with the documented "
    "defaults, linking a published service; invalid products are refused with 400",
    profile="api7ee",
    features=["ee-portal"],
)
def test_create_api_product(ee, provider, echoes):
    (echo,) = echoes("echo")
    group, service = provider.published_service(echo, "/portal")
    product = body_of(provider.product(DEFAULT_PORTAL, [(group, service)]))["value"]
    for field, default in (
        ("type", "gateway"),
        ("status", "draft"),
        ("subscription_auto_approval", False),
        ("can_view_unsubscribed", True),
        ("visibility", "public"),
    ):
        assert product[field] == default, (field, product)
    assert product["linked_gateway_services"][0]["service_id"] == service
    unpublished = [{"gateway_group_id": group, "service_id": unique_id("missing")}]
    # the seed gives no status for a service that is not published: refused either way
    answer = provider.product(
        DEFAULT_PORTAL, [(group, service)], linked_gateway_services=unpublished
    )
    assert answer.status_code in (400, 404), answer.text
    refused: dict[str, dict[str, Any]] = {
        "no linked services": {"linked_gateway_services": []},
        "unknown status": {"status": "archived"},
        "unknown visibility": {"visibility": "everyone"},
        "name too long": {"name": "n" * 101},
    }  # fmt: skip
    for why, extra in refused.items():
        answer = provider.product(DEFAULT_PORTAL, [(group, service)], **extra)
        assert answer.status_code == 400, (why, answer.text)
        assert answer.json().get("error_msg"), why


@conformance_test(
    name="ee-portal-developers-list",
    description="the developers of the default portal are listed as {list, total}, with "
    "the documented paging and ordering arguments",
    profile="api7ee",
    features=["ee-portal"],
)
def test_list_developers(dashboard):
    listing = body_of(dashboard.get("/developers", params={"portal_id": DEFAULT_PORTAL}))
    assert isinstance(listing["list"], list) and listing["total"] == len(listing["list"])
    paged = dashboard.get(
        "/developers",
        params={"portal_id": DEFAULT_PORTAL, "page": 1, "page_size": 1, "order_by": "created_at"},
    )
    assert len(body_of(paged)["list"]) <= 1
    bad = dashboard.get("/developers", params={"portal_id": DEFAULT_PORTAL, "order_by": "bogus"})
    assert bad.status_code == 400, bad.text


@conformance_test(
    name="ee-portal-instances",
    description="portal instances are created, listed, read, replaced and deleted; their "
    "public access setting reads back as written",
    profile="api7ee",
    features=["ee-portal-inferred"],
)
def test_portal_instances(dashboard, provider):
    portal = provider.portal(labels={"team": "a"})
    assert portal["public_url"] == "https://portal.example.com"
    assert portal["name"] in _names(body_of(dashboard.get("/portals")))
    assert body_of(dashboard.get(f"/portals/{portal['id']}"))["value"]["labels"] == {"team": "a"}
    renamed = {"name": "renamed", "public_url": "https://dev.example.com"}
    assert body_of(dashboard.put(f"/portals/{portal['id']}", json=renamed))["value"]["name"] == (
        "renamed"
    )
    assert dashboard.post("/portals", json={"name": "x"}).status_code == 400
    params = {"portal_id": portal["id"]}
    access = body_of(dashboard.get("/portal_settings/public_access", params=params))["value"]
    assert access == {"portal_public_access": False}
    body_of(
        dashboard.put(
            "/portal_settings/public_access", params=params, json={"portal_public_access": True}
        )
    )
    access = body_of(dashboard.get("/portal_settings/public_access", params=params))["value"]
    assert access == {"portal_public_access": True}
    bad = dashboard.put("/portal_settings/public_access", params=params, json={"x": 1})
    assert bad.status_code == 400, bad.text
    body_of(dashboard.delete(f"/portals/{portal['id']}"))
    assert dashboard.get(f"/portals/{portal['id']}").status_code == 404
    missing = dashboard.get("/portal_settings/public_access", params=params)
    assert missing.status_code == 404, missing.text


@conformance_test(
    name="ee-portal-dcr-providers",
    description="DCR providers are created, listed, read, replaced and deleted; a provider "
    "without an issuer, or of a type not served, is refused",
    profile="api7ee",
    features=["ee-portal-inferred"],
)
def test_dcr_providers(dashboard, provider):
    created = provider.dcr_provider("https://idp.example.com")
    assert created["provider_type"] == "oidc"
    assert created["name"] in _names(body_of(dashboard.get("/dcr_providers")))
    path = f"/dcr_providers/{created['id']}"
    body = {"name": "renamed", "issuer": "https://idp2.example.com", "headers": {"X-A": "1"}}
    assert body_of(dashboard.put(path, json=body))["value"]["issuer"] == body["issuer"]
    assert body_of(dashboard.get(path))["value"]["headers"] == {"X-A": "1"}
    assert dashboard.post("/dcr_providers", json={"name": "no-issuer"}).status_code == 400
    bridge = {"name": "b", "issuer": "https://idp.example.com", "provider_type": "http_bridge"}
    assert dashboard.post("/dcr_providers", json=bridge).status_code == 400
    assert dashboard.delete(path).status_code == 200
    assert dashboard.get(path).status_code == 404


@conformance_test(
    name="ee-portal-api-products",
    description="API products are listed (also by linked service), read, replaced, patched "
    "and deleted on their portal; their subscriptions and notification history are listed",
    profile="api7ee",
    features=["ee-portal-inferred"],
)
def test_api_products(dashboard, provider, echoes):
    (echo,) = echoes("echo")
    link = provider.published_service(echo, "/products")
    portal = provider.portal()["id"]
    params = {"portal_id": portal}
    product = body_of(provider.product(portal, [link], desc="first"))["value"]
    path = f"/api_products/{product['id']}"
    listed = body_of(dashboard.get("/api_products", params={**params, "service_id": link[1]}))
    assert [p["id"] for p in listed["list"]] == [product["id"]]
    other = body_of(dashboard.get("/api_products", params={**params, "service_id": "nothing"}))
    assert other["total"] == 0
    assert body_of(dashboard.get(path, params=params))["value"]["desc"] == "first"
    assert dashboard.get(path, params={"portal_id": DEFAULT_PORTAL}).status_code == 404
    replaced = {
        "name": "replaced",
        "auth": {"key-auth": {}},
        "linked_gateway_services": [{"gateway_group_id": link[0], "service_id": link[1]}],
        "visibility": "logged_in",
    }
    shown = body_of(dashboard.put(path, params=params, json=replaced))["value"]
    assert (shown["name"], shown["visibility"]) == ("replaced", "logged_in")
    patch = [{"op": "replace", "path": "/status", "value": "published"}]
    assert body_of(dashboard.patch(path, params=params, json=patch))["value"]["status"] == (
        "published"
    )
    bad_patch = [{"op": "replace", "path": "/visibility", "value": "nobody"}]
    assert dashboard.patch(path, params=params, json=bad_patch).status_code == 400
    subs = body_of(dashboard.get(f"{path}/subscriptions", params=params))
    assert subs == {"list": [], "total": 0}
    history = body_of(dashboard.get(f"{path}/notification_histories", params=params))
    assert history == {"list": [], "total": 0}
    assert dashboard.delete(f"{path}/subscriptions/none", params=params).status_code == 404
    assert dashboard.delete(path, params=params).status_code == 200
    assert dashboard.get(path, params=params).status_code == 404


@conformance_test(
    name="ee-portal-tokens",
    description="a portal token's value is shown when created and regenerated only; it is "
    "listed, read, renamed and deleted without it",
    profile="api7ee",
    features=["ee-portal-inferred"],
)
def test_portal_tokens(dashboard, provider):
    portal = provider.portal()["id"]
    params = {"portal_id": portal}
    token = provider.token(portal)
    assert token["token"].startswith("a7prt-")
    path = f"/portal_tokens/{token['id']}"
    shown = body_of(dashboard.get(path, params=params))["value"]
    assert "token" not in shown and "token_hash" not in shown
    listed = body_of(dashboard.get("/portal_tokens", params=params))["list"]
    assert [t["id"] for t in listed] == [token["id"]] and "token" not in listed[0]
    renamed = body_of(dashboard.put(path, params=params, json={"name": "renamed"}))["value"]
    assert renamed["name"] == "renamed" and "token" not in renamed
    again = body_of(dashboard.put(f"{path}/regenerate", params=params, json={"expires_at": 0}))
    assert again["value"]["token"].startswith("a7prt-")
    assert again["value"]["token"] != token["token"]
    assert dashboard.put(f"{path}/regenerate", params=params, json={}).status_code == 400
    assert dashboard.post("/portal_tokens", params=params, json={}).status_code == 400
    assert dashboard.delete(path, params=params).status_code == 200
    assert dashboard.get(path, params=params).status_code == 404


@conformance_test(
    name="ee-portal-files-and-approvals",
    description="an uploaded file downloads as uploaded; approvals are listed with the "
    "documented filters; a developer is deleted by its external id",
    profile="api7ee",
    features=["ee-portal-inferred"],
)
def test_files_and_approvals(dashboard, provider):
    content = b"\x00gwconform portal file\n" * 100
    uploaded = dashboard.post(
        "/files",
        params={"name": "terms.pdf"},
        content=content,
        headers={"Content-Type": "application/octet-stream"},
    )
    file = body_of(uploaded)["value"]
    assert (file["name"], file["size"]) == ("terms.pdf", len(content))
    downloaded = dashboard.get(f"/files/{file['id']}")
    assert downloaded.status_code == 200 and downloaded.content == content
    assert dashboard.get(f"/files/{unique_id('nofile')}").status_code == 404
    assert dashboard.post("/files", content=b"x").status_code == 400
    portal = provider.portal()["id"]
    params = {"portal_id": portal}
    invited = body_of(dashboard.post("/developers", params=params, json={"developer_id": "inv1"}))
    assert invited["value"]["state"] == "Invited"
    approvals = body_of(
        dashboard.get("/approvals", params={**params, "event": "developer_registration"})
    )
    assert [a["resource_id"] for a in approvals["list"]] == ["inv1"]
    approval = approvals["list"][0]
    assert body_of(dashboard.post(f"/approvals/{approval['id']}/reject"))["value"] == {}
    again = dashboard.post(f"/approvals/{approval['id']}/accept")
    assert again.status_code == 400, again.text
    finished = body_of(dashboard.get("/approvals", params={**params, "result": "rejected"}))
    assert [a["id"] for a in finished["list"]] == [approval["id"]]
    assert dashboard.get("/approvals", params={"order_by": "bogus"}).status_code == 400
    assert body_of(dashboard.delete("/developers/inv1", params=params))["value"] == {}
    assert dashboard.delete("/developers/inv1", params=params).status_code == 404
