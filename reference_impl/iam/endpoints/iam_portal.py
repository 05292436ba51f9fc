"""The iam and portal namespaces' documented endpoints the reference does not serve:
organisation settings (login options, SCIM); the files of portal approvals."""

from __future__ import annotations

from ...api.actions import Endpoint, row


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
    """The portal endpoints no app's route table declares (the files of approvals)."""
    return [
        row("POST", "/api/files", None),
        row("GET", "/api/files/{file_id}", None),
    ]
