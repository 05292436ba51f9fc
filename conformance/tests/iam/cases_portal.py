"""The 29 `portal:` actions of the catalog, each through a real request on the provider
portal's endpoints with the resource ARN the catalog gives; `portal_id` is the query argument
the seed documents. API7's documentation gives two of these paths (creating an API product,
listing developers); the others are inferred (see conformance/tests/api7ee/test_portal.py)."""

from __future__ import annotations

from functools import partial

from .action_case import ActionCase
from .setups import Make, group_step, made

ARN = "arn:api7:portal:"
PORTAL_ARN = ARN + "portal/{portal}"
LOGIN_ARN = PORTAL_ARN + "/loginsetting/*"
TOKEN_ARN = PORTAL_ARN + "/token/*"
PRODUCT_ARN = PORTAL_ARN + "/apiproduct/{product}"
DEVELOPER_ARN = PORTAL_ARN + "/developer/{developer}"
DCR_ARN = ARN + "dcrprovider/*"
IN_PORTAL = {"portal_id": "{portal}"}

# deleting the portal deletes what the case made in it (products, tokens, developers...)
_PORTAL_STEP = Make(
    "portal",
    "POST",
    "/api/portals",
    {"name": "{unique}", "public_url": "https://portal.example.com"},
    cleanup="/api/portals/{portal}",
)
_UPSTREAM = {"type": "roundrobin", "nodes": [{"host": "127.0.0.1", "port": 1980, "weight": 1}]}
_PUBLISH = {
    "gateway_group_id": "{group}",
    "create_new_version": True,
    "services": [{"service_id": "{template}", "version": "{unique}"}],
}
_LINKED = [{"gateway_group_id": "{group}", "service_id": "{template}"}]
_PRODUCT_BODY = {"name": "{unique}", "auth": {"key-auth": {}}, "linked_gateway_services": _LINKED}
# a service published in a new gateway group (the template first, so the group and what is
# published in it go before it), then a portal
_PUBLISHED_STEPS = (
    Make(
        "template",
        "POST",
        "/api/services/template",
        {"name": "{unique}", "upstream": _UPSTREAM},
        cleanup="/api/services/template/{template}",
    ),
    group_step(),
    Make(
        "publication",
        "POST",
        "/api/services/publish",
        _PUBLISH,
        id_field=None,
        cleanup="/api/gateway_groups/{group}/services/{template}",
    ),
    _PORTAL_STEP,
)
_PORTAL = made(_PORTAL_STEP)
_PUBLISHED = made(*_PUBLISHED_STEPS)
_PRODUCT = made(
    *_PUBLISHED_STEPS, Make("product", "POST", "/api/api_products", _PRODUCT_BODY, IN_PORTAL)
)
_TOKEN = made(_PORTAL_STEP, Make("token", "POST", "/api/portal_tokens", {"name": "t"}, IN_PORTAL))
_LOGIN_BODY = {"name": "builtin", "type": "builtin"}
_OPTION = made(
    _PORTAL_STEP, Make("option", "POST", "/api/portal_login_options", _LOGIN_BODY, IN_PORTAL)
)
_DEVELOPER = made(
    _PORTAL_STEP,
    Make(
        "developer",
        "POST",
        "/api/developers",
        {"developer_id": "{unique}"},
        IN_PORTAL,
        id_field="developer_id",
    ),
)
_DCR_BODY = {"name": "{unique}", "issuer": "https://idp.example.com"}
_DCR = made(
    Make("dcr", "POST", "/api/dcr_providers", _DCR_BODY, cleanup="/api/dcr_providers/{dcr}")
)
_PORTAL_BODY = {"name": "{unique}", "public_url": "https://dev.example.com"}


_inferred = partial(ActionCase, inferred=True)


CASES: list[ActionCase] = [
    # documented paths: creating an API product, listing developers (shown item by item)
    ActionCase(
        "portal:CreateAPIProduct", "POST", "/api/api_products", PORTAL_ARN + "/apiproduct/*",
        _PUBLISHED, _PRODUCT_BODY, IN_PORTAL,
    ),
    ActionCase(
        "portal:GetDeveloper", "GET", "/api/developers", DEVELOPER_ARN, _DEVELOPER,
        params=IN_PORTAL,
    ),
    # portal instances
    _inferred("portal:GetPortal", "GET", "/api/portals/{portal}", PORTAL_ARN, _PORTAL),
    _inferred(
        "portal:CreatePortal", "POST", "/api/portals", ARN + "portal/*", made(),
        body=_PORTAL_BODY, creates="/api/portals/{id}",
    ),
    _inferred(
        "portal:UpdatePortal", "PUT", "/api/portals/{portal}", PORTAL_ARN, _PORTAL,
        body=_PORTAL_BODY,
    ),
    _inferred("portal:DeletePortal", "DELETE", "/api/portals/{portal}", PORTAL_ARN, _PORTAL),
    # portal tokens
    _inferred("portal:GetPortalToken", "GET", "/api/portal_tokens", TOKEN_ARN, _PORTAL,
              params=IN_PORTAL),
    _inferred(
        "portal:CreatePortalToken", "POST", "/api/portal_tokens", TOKEN_ARN, _PORTAL,
        body={"name": "gwc-token"}, params=IN_PORTAL,
    ),
    _inferred(
        "portal:UpdatePortalToken", "PUT", "/api/portal_tokens/{token}/regenerate", TOKEN_ARN,
        _TOKEN, body={"expires_at": 0}, params=IN_PORTAL,
    ),
    _inferred(
        "portal:DeletePortalToken", "DELETE", "/api/portal_tokens/{token}", TOKEN_ARN, _TOKEN,
        params=IN_PORTAL,
    ),
    # API products
    _inferred(
        "portal:GetAPIProduct", "GET", "/api/api_products/{product}", PRODUCT_ARN, _PRODUCT,
        params=IN_PORTAL,
    ),
    _inferred(
        "portal:UpdateAPIProduct", "PATCH", "/api/api_products/{product}", PRODUCT_ARN,
        _PRODUCT, params=IN_PORTAL, body=[{"op": "add", "path": "/desc", "value": "patched"}],
    ),
    _inferred(
        "portal:DeleteAPIProduct", "DELETE", "/api/api_products/{product}", PRODUCT_ARN,
        _PRODUCT, params=IN_PORTAL,
    ),
    # the approvals of a product's subscriptions, listed item by item on the product's ARN
    _inferred(
        "portal:ApproveAPIProductSubscription", "GET", "/api/approvals", PRODUCT_ARN, _PRODUCT,
        params=IN_PORTAL,
    ),
    # developers
    _inferred(
        "portal:InviteDeveloper", "POST", "/api/developers", PORTAL_ARN + "/developer/*",
        _PORTAL, params=IN_PORTAL, body={"developer_id": "{unique}"},
    ),
    _inferred(
        "portal:DeleteDeveloper", "DELETE", "/api/developers/{developer}", DEVELOPER_ARN,
        _DEVELOPER, params=IN_PORTAL,
    ),
    _inferred(
        "portal:ApproveDeveloperSignUp", "POST", "/api/developers/{developer}/approve",
        PORTAL_ARN + "/developer/*", _DEVELOPER, params=IN_PORTAL,
    ),
    # DCR providers
    _inferred("portal:GetDCRProvider", "GET", "/api/dcr_providers/{dcr}", DCR_ARN, _DCR),
    _inferred(
        "portal:CreateDCRProvider", "POST", "/api/dcr_providers", DCR_ARN, made(),
        body=_DCR_BODY, creates="/api/dcr_providers/{id}",
    ),
    _inferred(
        "portal:UpdateDCRProvider", "PUT", "/api/dcr_providers/{dcr}", DCR_ARN, _DCR,
        body=_DCR_BODY,
    ),
    _inferred("portal:DeleteDCRProvider", "DELETE", "/api/dcr_providers/{dcr}", DCR_ARN, _DCR),
    # developer login options, SCIM provisioning, public access
    _inferred(
        "portal:GetDeveloperLoginOption", "GET", "/api/portal_login_options", LOGIN_ARN,
        _PORTAL, params=IN_PORTAL,
    ),
    _inferred(
        "portal:CreateDeveloperLoginOption", "POST", "/api/portal_login_options", LOGIN_ARN,
        _PORTAL, params=IN_PORTAL, body=_LOGIN_BODY,
    ),
    _inferred(
        "portal:UpdateDeveloperLoginOption", "PUT", "/api/portal_login_options/{option}",
        LOGIN_ARN, _OPTION, params=IN_PORTAL, body=_LOGIN_BODY,
    ),
    _inferred(
        "portal:DeleteDeveloperLoginOption", "DELETE", "/api/portal_login_options/{option}",
        LOGIN_ARN, _OPTION, params=IN_PORTAL,
    ),
    _inferred(
        "portal:GetDeveloperSCIMProvisioning", "GET", "/api/portal_settings/scim_provisioning",
        LOGIN_ARN, _PORTAL, params=IN_PORTAL,
    ),
    _inferred(
        "portal:UpdateDeveloperSCIMProvisioning", "PUT",
        "/api/portal_settings/scim_provisioning", LOGIN_ARN, _PORTAL, params=IN_PORTAL,
        body={"enabled": False},
    ),
    _inferred(
        "portal:GetDeveloperPortalPublicAccess", "GET", "/api/portal_settings/public_access",
        LOGIN_ARN, _PORTAL, params=IN_PORTAL,
    ),
    _inferred(
        "portal:UpdateDeveloperPortalPublicAccess", "PUT",
        "/api/portal_settings/public_access", LOGIN_ARN, _PORTAL, params=IN_PORTAL,
        body={"portal_public_access": True},
    ),
]  # fmt: skip
