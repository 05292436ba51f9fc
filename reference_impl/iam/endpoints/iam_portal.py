"""The iam and portal namespaces: users, roles, policies, tokens, audit, organisation
settings; API products' subscriptions, approvals, files."""

from __future__ import annotations

from ...api.actions import Endpoint, crud, row
from ...api7ee.portal.instances import settings_endpoints


def iam_endpoints() -> list[Endpoint]:
    user = "/api/users/{user_id}"
    role = "/api/roles/{role_id}"
    policy = "/api/permission_policies/{permission_policy_id}"
    rows = [
        row("POST", "/api/login", None),
        row("POST", "/api/logout", None),
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
        row("GET", "/api/login_options", "iam:GetLoginOption"),
        row("POST", "/api/login_options", "iam:CreateLoginOption"),
        row("GET", "/api/login_options/{login_option_id}", "iam:GetLoginOption"),
        row("PUT", "/api/login_options/{login_option_id}", "iam:UpdateLoginOption"),
        row("PATCH", "/api/login_options/{login_option_id}", "iam:UpdateLoginOption"),
        row("DELETE", "/api/login_options/{login_option_id}", "iam:DeleteLoginOption"),
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
    """The portal endpoints that are not collections (those are declared where they are
    mounted); `portal_id` is the query argument the seed documents."""
    product = "/api/api_products/{api_product_id}"
    ids = ("portal_id", "api_product_id")
    approval = "portal:ApproveAPIProductSubscription"
    return [
        *settings_endpoints(),
        row("PUT", "/api/portal_tokens/{portal_token_id}/regenerate", "portal:UpdatePortalToken",
            "portal_id"),
        row("GET", f"{product}/subscriptions", "portal:GetAPIProduct", *ids),
        row("DELETE", f"{product}/subscriptions/{{subscription_id}}", "portal:UpdateAPIProduct",
            *ids),
        row("GET", f"{product}/notification_histories", "portal:GetAPIProduct", *ids),
        # an approval's portal and product are not in its path: a policy naming them allows
        # the request that names them too (`?portal_id=&api_product_id=`, checked against
        # the approval), any other request is checked on `*`
        row("GET", "/api/approvals", approval, "portal_id", "*", lists="resource_id"),
        row("POST", "/api/approvals/{approval_id}/accept", approval, *ids),
        row("POST", "/api/approvals/{approval_id}/reject", approval, *ids),
        row("POST", "/api/developers/{developer_external_id}/approve",
            "portal:ApproveDeveloperSignUp", "portal_id"),
        row("POST", "/api/files", None),
        row("GET", "/api/files/{file_id}", None),
    ]  # fmt: skip
