"""The iam and portal namespaces' documented endpoints the reference does not serve:
organisation settings (license, login options, SCIM, SMTP, contact points); portals, API
products, developers."""

from __future__ import annotations

from ...api.actions import Endpoint, crud, row


def iam_endpoints() -> list[Endpoint]:
    rows = [
        row("GET", "/api/login_options", "iam:GetLoginOption"),
        row("POST", "/api/login_options", "iam:CreateLoginOption"),
        row("GET", "/api/login_options/{login_option_id}", "iam:GetLoginOption"),
        row("PUT", "/api/login_options/{login_option_id}", "iam:UpdateLoginOption"),
        row("PATCH", "/api/login_options/{login_option_id}", "iam:UpdateLoginOption"),
        row("DELETE", "/api/login_options/{login_option_id}", "iam:DeleteLoginOption"),
        row("GET", "/api/scim_provisioning", "iam:GetSCIMProvisioning"),
        row("PUT", "/api/scim_provisioning", "iam:UpdateSCIMProvisioning"),
        row("POST", "/api/scim_provisioning/token", "iam:UpdateSCIMProvisioning"),
        # contact points: a mounted collection
    ]
    return rows


def portal_endpoints() -> list[Endpoint]:
    portal = "/api/portals/{portal_id}"
    product = f"{portal}/api_products/{{api_product_id}}"
    developer = f"{portal}/developers/{{developer_id}}"
    p = ("portal_id",)
    return [
        row("GET", "/api/portals", "portal:ListPortals", resource="arn:api7:portal:portal/*"),
        row("POST", "/api/portals", "portal:CreatePortal"),
        row("GET", portal, "portal:GetPortal", *p),
        row("PUT", portal, "portal:UpdatePortal", *p),
        row("DELETE", portal, "portal:DeletePortal", *p),
        *crud(f"{portal}/tokens", "{token_id}", "PortalToken", p, patch=False, prefix="portal"),
        row("PUT", f"{portal}/tokens/{{token_id}}/regenerate", "portal:UpdatePortalToken", *p),
        *crud(
            f"{portal}/api_products",
            "{api_product_id}",
            "APIProduct",
            p,
            item_arg="api_product_id",
            prefix="portal",
        ),
        row(
            "GET", f"{product}/subscriptions", "portal:GetAPIProduct", "portal_id", "api_product_id"
        ),
        row(
            "DELETE",
            f"{product}/subscriptions/{{subscription_id}}",
            "portal:UpdateAPIProduct",
            "portal_id",
            "api_product_id",
        ),
        row(
            "POST",
            f"{product}/subscriptions/{{subscription_id}}/approve",
            "portal:ApproveAPIProductSubscription",
            "portal_id",
            "api_product_id",
        ),
        row(
            "GET",
            f"{product}/notification_histories",
            "portal:GetAPIProduct",
            "portal_id",
            "api_product_id",
        ),
        row("GET", f"{portal}/developers", "portal:GetDeveloper", "portal_id", "*", lists="id"),
        row("POST", f"{portal}/developers", "portal:InviteDeveloper", *p),
        row("GET", developer, "portal:GetDeveloper", "portal_id", "developer_id"),
        row("DELETE", developer, "portal:DeleteDeveloper", "portal_id", "developer_id"),
        row("POST", f"{developer}/approve", "portal:ApproveDeveloperSignUp", *p),
        *crud(
            "/api/dcr_providers",
            "{dcr_provider_id}",
            "DCRProvider",
            (),
            patch=False,
            prefix="portal",
        ),
        *crud(
            f"{portal}/login_options",
            "{login_option_id}",
            "DeveloperLoginOption",
            p,
            patch=False,
            prefix="portal",
        ),
        row("GET", f"{portal}/scim_provisioning", "portal:GetDeveloperSCIMProvisioning", *p),
        row("PUT", f"{portal}/scim_provisioning", "portal:UpdateDeveloperSCIMProvisioning", *p),
        row("GET", f"{portal}/public_access", "portal:GetDeveloperPortalPublicAccess", *p),
        row("PUT", f"{portal}/public_access", "portal:UpdateDeveloperPortalPublicAccess", *p),
    ]
