"""The 29 `portal:` actions of the catalog, each through a real request on the provider
portal's endpoints (paths: see conformance/tests/api7ee/test_portal.py) with the resource ARN
the catalog gives. `portal_id` is the query argument the seed documents."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from .action_case import ActionCase, Prepared

ARN = "arn:api7:portal:"
PORTAL_ARN = ARN + "portal/{portal}"
LOGIN_ARN = PORTAL_ARN + "/loginsetting/*"
TOKEN_ARN = PORTAL_ARN + "/token/*"
PRODUCT_ARN = PORTAL_ARN + "/apiproduct/{product}"
DEVELOPER_ARN = PORTAL_ARN + "/developer/{developer}"
IN_PORTAL = {"portal_id": "{portal}"}
Setup = Callable[[httpx.Client], Prepared]


def _name(prefix: str) -> str:
    return f"gwc-{prefix}-{uuid.uuid4().hex[:10]}"


def _created(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code in (200, 201), f"{answer.request.url}: {answer.text[:300]}"
    return answer.json()["value"]


def _portal(admin: httpx.Client) -> Prepared:
    body = {"name": _name("portal"), "public_url": "https://portal.example.com"}
    portal = _created(admin.post("/api/portals", json=body))["id"]
    return Prepared({"portal": portal}, [f"/api/portals/{portal}"])


def _with(
    make: Callable[[httpx.Client, Prepared], tuple[str, str, str | None]],
) -> Setup:
    """A portal, then one object in it: `make` answers (placeholder, id, cleanup path)."""

    def setup(admin: httpx.Client) -> Prepared:
        prepared = _portal(admin)
        name, value, cleanup = make(admin, prepared)
        prepared.values[name] = value
        if cleanup:
            prepared.cleanup.append(cleanup)
        return prepared

    return setup


def _token(admin: httpx.Client, prepared: Prepared) -> tuple[str, str, str | None]:
    portal = prepared.values["portal"]
    token = _created(
        admin.post("/api/portal_tokens", params={"portal_id": portal}, json={"name": "t"})
    )["id"]
    return "token", token, f"/api/portal_tokens/{token}?portal_id={portal}"


def _login_option(admin: httpx.Client, prepared: Prepared) -> tuple[str, str, str | None]:
    portal = prepared.values["portal"]
    body = {"name": "builtin", "type": "builtin"}
    option = _created(
        admin.post("/api/portal_login_options", params={"portal_id": portal}, json=body)
    )["id"]
    return "option", option, f"/api/portal_login_options/{option}?portal_id={portal}"


def _developer(admin: httpx.Client, prepared: Prepared) -> tuple[str, str, str | None]:
    portal, developer = prepared.values["portal"], _name("dev")
    body = {"developer_id": developer}
    _created(admin.post("/api/developers", params={"portal_id": portal}, json=body))
    return "developer", developer, f"/api/developers/{developer}?portal_id={portal}"


def _published(admin: httpx.Client) -> Prepared:
    """A service published on the default gateway group, and a portal."""
    upstream = {"type": "roundrobin", "nodes": [{"host": "127.0.0.1", "port": 1980, "weight": 1}]}
    body = {"name": _name("svc"), "upstream": upstream}
    service = _created(admin.post("/api/services/template", json=body))["id"]
    route = {"name": _name("route"), "paths": ["/portal-iam"], "service_id": service}
    _created(admin.post("/api/routes/template", json=route))
    publish = {
        "gateway_group_id": "default",
        "create_new_version": True,
        "services": [{"service_id": service, "version": _name("v")}],
    }
    _created(admin.post("/api/services/publish", json=publish))
    prepared = _portal(admin)
    prepared.values["service"] = service
    prepared.cleanup[:0] = [
        f"/api/services/template/{service}",
        f"/api/gateway_groups/default/services/{service}",
    ]
    return prepared


def _product_body(prepared_service: str) -> dict[str, Any]:
    return {
        "name": _name("product"),
        "auth": {"key-auth": {}},
        "linked_gateway_services": [
            {"gateway_group_id": "default", "service_id": prepared_service}
        ],
    }


def _product(admin: httpx.Client) -> Prepared:
    prepared = _published(admin)
    portal = prepared.values["portal"]
    body = _product_body(prepared.values["service"])
    product = _created(admin.post("/api/api_products", params={"portal_id": portal}, json=body))
    prepared.values["product"] = product["id"]
    prepared.cleanup.append(f"/api/api_products/{product['id']}?portal_id={portal}")
    return prepared


def _dcr(admin: httpx.Client) -> Prepared:
    body = {"name": _name("dcr"), "issuer": "https://idp.example.com"}
    provider = _created(admin.post("/api/dcr_providers", json=body))["id"]
    return Prepared({"dcr": provider}, [f"/api/dcr_providers/{provider}"])


PORTAL_BODY = {"name": "gwc-portal-renamed", "public_url": "https://dev.example.com"}
DCR_BODY = {"name": "gwc-dcr-renamed", "issuer": "https://idp.example.com"}
LOGIN_BODY = {"name": "builtin", "type": "builtin", "enabled": True}

CASES: list[ActionCase] = [
    # portal instances
    ActionCase("portal:GetPortal", "GET", "/api/portals/{portal}", PORTAL_ARN, _portal),
    ActionCase(
        "portal:CreatePortal", "POST", "/api/portals", ARN + "portal/*",
        body={"name": "gwc-portal-created", "public_url": "https://portal.example.com"},
    ),
    ActionCase(
        "portal:UpdatePortal", "PUT", "/api/portals/{portal}", PORTAL_ARN, _portal,
        body=PORTAL_BODY,
    ),
    ActionCase("portal:DeletePortal", "DELETE", "/api/portals/{portal}", PORTAL_ARN, _portal),
    # portal tokens
    ActionCase(
        "portal:GetPortalToken", "GET", "/api/portal_tokens", TOKEN_ARN, _portal,
        params=IN_PORTAL,
    ),
    ActionCase(
        "portal:CreatePortalToken", "POST", "/api/portal_tokens", TOKEN_ARN, _portal,
        body={"name": "gwc-token"}, params=IN_PORTAL,
    ),
    ActionCase(
        "portal:UpdatePortalToken", "PUT", "/api/portal_tokens/{token}", TOKEN_ARN,
        _with(_token), body={"name": "renamed"}, params=IN_PORTAL,
    ),
    ActionCase(
        "portal:DeletePortalToken", "DELETE", "/api/portal_tokens/{token}", TOKEN_ARN,
        _with(_token), params=IN_PORTAL,
    ),
    # API products
    ActionCase(
        "portal:GetAPIProduct", "GET", "/api/api_products/{product}", PRODUCT_ARN, _product,
        params=IN_PORTAL,
    ),
    ActionCase(
        "portal:CreateAPIProduct", "POST", "/api/api_products", PORTAL_ARN + "/apiproduct/*",
        _published, params=IN_PORTAL,
        body={"name": "gwc-product", "auth": {"key-auth": {}}, "linked_gateway_services": [
            {"gateway_group_id": "default", "service_id": "{service}"}]},
    ),
    ActionCase(
        "portal:UpdateAPIProduct", "PATCH", "/api/api_products/{product}", PRODUCT_ARN,
        _product, params=IN_PORTAL,
        body=[{"op": "add", "path": "/desc", "value": "patched"}],
    ),
    ActionCase(
        "portal:DeleteAPIProduct", "DELETE", "/api/api_products/{product}", PRODUCT_ARN,
        _product, params=IN_PORTAL,
    ),
    # the approvals of a product's subscriptions, listed item by item on the product's ARN
    ActionCase(
        "portal:ApproveAPIProductSubscription", "GET", "/api/approvals", PRODUCT_ARN,
        _product, params=IN_PORTAL,
    ),
    # developers
    ActionCase(
        "portal:GetDeveloper", "GET", "/api/developers/{developer}", DEVELOPER_ARN,
        _with(_developer), params=IN_PORTAL,
    ),
    ActionCase(
        "portal:InviteDeveloper", "POST", "/api/developers", PORTAL_ARN + "/developer/*",
        _portal, params=IN_PORTAL, body={"developer_id": "gwc-invited"},
    ),
    ActionCase(
        "portal:DeleteDeveloper", "DELETE", "/api/developers/{developer}", DEVELOPER_ARN,
        _with(_developer), params=IN_PORTAL,
    ),
    ActionCase(
        "portal:ApproveDeveloperSignUp", "POST", "/api/developers/{developer}/approve",
        PORTAL_ARN + "/developer/*", _with(_developer), params=IN_PORTAL,
    ),
    # DCR providers
    ActionCase(
        "portal:GetDCRProvider", "GET", "/api/dcr_providers/{dcr}", ARN + "dcrprovider/*", _dcr
    ),
    ActionCase(
        "portal:CreateDCRProvider", "POST", "/api/dcr_providers", ARN + "dcrprovider/*",
        body={"name": "gwc-dcr-created", "issuer": "https://idp.example.com"},
    ),
    ActionCase(
        "portal:UpdateDCRProvider", "PUT", "/api/dcr_providers/{dcr}", ARN + "dcrprovider/*",
        _dcr, body=DCR_BODY,
    ),
    ActionCase(
        "portal:DeleteDCRProvider", "DELETE", "/api/dcr_providers/{dcr}",
        ARN + "dcrprovider/*", _dcr,
    ),
    # developer login options, SCIM provisioning, public access
    ActionCase(
        "portal:GetDeveloperLoginOption", "GET", "/api/portal_login_options", LOGIN_ARN,
        _portal, params=IN_PORTAL,
    ),
    ActionCase(
        "portal:CreateDeveloperLoginOption", "POST", "/api/portal_login_options", LOGIN_ARN,
        _portal, params=IN_PORTAL, body=LOGIN_BODY,
    ),
    ActionCase(
        "portal:UpdateDeveloperLoginOption", "PUT", "/api/portal_login_options/{option}",
        LOGIN_ARN, _with(_login_option), params=IN_PORTAL, body=LOGIN_BODY,
    ),
    ActionCase(
        "portal:DeleteDeveloperLoginOption", "DELETE", "/api/portal_login_options/{option}",
        LOGIN_ARN, _with(_login_option), params=IN_PORTAL,
    ),
    ActionCase(
        "portal:GetDeveloperSCIMProvisioning", "GET", "/api/portal_settings/scim_provisioning",
        LOGIN_ARN, _portal, params=IN_PORTAL,
    ),
    ActionCase(
        "portal:UpdateDeveloperSCIMProvisioning", "PUT",
        "/api/portal_settings/scim_provisioning", LOGIN_ARN, _portal, params=IN_PORTAL,
        body={"enabled": False},
    ),
    ActionCase(
        "portal:GetDeveloperPortalPublicAccess", "GET", "/api/portal_settings/public_access",
        LOGIN_ARN, _portal, params=IN_PORTAL,
    ),
    ActionCase(
        "portal:UpdateDeveloperPortalPublicAccess", "PUT",
        "/api/portal_settings/public_access", LOGIN_ARN, _portal, params=IN_PORTAL,
        body={"portal_public_access": True},
    ),
]  # fmt: skip
