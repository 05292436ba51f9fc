"""The iam and portal namespaces: users, roles, policies, tokens, audit, organisation
settings; portals, API products, developers."""

from __future__ import annotations

from ...api.actions import Endpoint, crud, row

# the paths anyone may call, to sign in or to see how (the middleware lets them through
# unauthenticated)
SIGN_IN = (
    ("POST", "/api/login"),
    ("GET", "/api/login_options/public"),
    ("POST", "/api/ldap/{login_option_id}/login"),
    ("GET", "/api/oidc/{login_option_id}/login"),
    ("GET", "/api/oidc/{login_option_id}/callback"),
    ("GET", "/api/saml/{login_option_id}/login"),
    ("GET", "/api/saml/{login_option_id}/callback"),
    ("POST", "/api/saml/{login_option_id}/callback"),
    ("GET", "/api/saml/{login_option_id}/metadata"),
    ("GET", "/api/cas/{login_option_id}/login"),
)


def iam_endpoints() -> list[Endpoint]:
    user = "/api/users/{user_id}"
    role = "/api/roles/{role_id}"
    policy = "/api/permission_policies/{permission_policy_id}"
    rows = [
        row("POST", "/api/logout", None),
        *(row(method, path, None) for method, path in SIGN_IN),
        row("POST", "/api/ldap/{login_option_id}/logout", None),
        row("POST", "/api/oidc/{login_option_id}/logout", None),
        row("GET", "/api/saml/{login_option_id}/logout", None),
        row("GET", "/api/cas/{login_option_id}/logout", None),
        row("GET", "/api/me", None),
        row("PUT", "/api/me", None),
        row("PUT", "/api/me/email", None),
        row("DELETE", "/api/me/email", None),
        row("PUT", "/api/password", None),
        row("POST", "/api/permissions/check", None),
        row("POST", "/api/invites", "iam:InviteUser"),
        row("GET", "/api/users", "iam:GetUser", "*", lists="id"),
        row("GET", user, "iam:GetUser", "user_id"),
        row("PUT", user, "iam:UpdateUser", "user_id"),
        row("DELETE", user, "iam:DeleteUser", "user_id"),
        row("PUT", f"{user}/assigned_roles", "iam:UpdateUserRole", "user_id"),
        row("PUT", f"{user}/boundaries", "iam:UpdateUserBoundary", "user_id"),
        row("PUT", f"{user}/password_reset", "iam:ResetPassword", "user_id"),
        row("GET", f"{role}/permission_policies", "iam:GetPermissionPolicy", "*", lists="id"),
        row("POST", f"{role}/attach_permission_policies", "iam:UpdateRole", "role_id"),
        row("POST", f"{role}/detach_permission_policies", "iam:UpdateRole", "role_id"),
        row("GET", f"{policy}/references", "iam:GetPermissionPolicy", "permission_policy_id"),
        row("GET", "/api/audit_logs", "iam:GetAudit"),
        row("GET", "/api/audit_logs/export", "iam:ExportAudits"),
        row("GET", "/api/audit_logs/event_types", None),
        row("GET", "/api/license", None),
        row("PUT", "/api/license", "iam:UpdateLicense"),
        row("GET", "/api/scim_provisioning", "iam:GetSCIMProvisioning"),
        row("PUT", "/api/scim_provisioning", "iam:UpdateSCIMProvisioning"),
        row("POST", "/api/scim_provisioning/token", "iam:UpdateSCIMProvisioning"),
        row("GET", "/api/smtp_server", "iam:GetSMTPServer"),
        row("PUT", "/api/smtp_server", "iam:UpdateSMTPServer"),
        *crud(
            "/api/contact_points",
            "{contact_point_id}",
            "ContactPoint",
            (),
            item_arg="contact_point_id",
            patch=False,
            prefix="iam",
        ),
        row(
            "GET",
            "/api/contact_points/{contact_point_id}/notification_logs",
            "iam:GetContactPoint",
            "contact_point_id",
        ),
        row(
            "GET",
            "/api/contact_points/{contact_point_id}/usages",
            "iam:GetContactPoint",
            "contact_point_id",
        ),
    ]
    for base in ("/api/tokens", "/api/settings/tokens"):  # 3.9 and 3.2 paths of API tokens
        rows += [
            row("GET", base, None),
            row("POST", base, None),
            row("GET", f"{base}/{{token_id}}", None),
            row("PUT", f"{base}/{{token_id}}", None),
            row("DELETE", f"{base}/{{token_id}}", None),
            row("PUT", f"{base}/{{token_id}}/regenerate", None),
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
