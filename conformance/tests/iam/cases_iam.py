"""The IAM namespace's actions: users (invited, updated, their roles, password and
boundaries), roles, permission policies and the audit log. The 3.2.14 spec documents the
user, invite, role-read and audit paths; the writes of roles and policies, user updates and
boundaries follow the same naming but no document gives them: those cases are inferred."""

from __future__ import annotations

from typing import Any

from .action_case import ActionCase
from .setups import Make, made

_INVITE = {"username": "{unique}", "password": "gwconform-Pw-1", "boundaries": []}
_USER = made(Make("user", "POST", "/api/invites", _INVITE, cleanup="/api/users/{user}"))
_USER_PATH = "/api/users/{user}"
_USER_ARN = "arn:api7:iam:user/{user}"
_STATEMENT = {"effect": "deny", "actions": ["iam:GetRole"], "resources": ["arn:api7:iam:role/none"]}
_POLICY_BODY = {"name": "{unique}", "policy_document": {"statement": [_STATEMENT]}}
_POLICY = Make(
    "policy",
    "POST",
    "/api/permission_policies",
    _POLICY_BODY,
    cleanup="/api/permission_policies/{policy}",
)
_ROLE = Make(
    "role", "POST", "/api/roles", {"name": "{unique}", "policies": []}, cleanup="/api/roles/{role}"
)
_ORGANIZATION = "arn:api7:iam:organization/*"


def _crud(
    noun: str, path: str, arn: str, make: Make, body: dict[str, Any], *, get_documented: bool
) -> list[ActionCase]:
    item, one, made_one = f"{path}/{{{make.name}}}", f"{arn}/{{{make.name}}}", made(make)
    return [
        ActionCase(f"iam:Get{noun}", "GET", item, one, made_one, inferred=not get_documented),
        ActionCase(
            f"iam:Create{noun}",
            "POST",
            path,
            f"{arn}/*",
            made_one,
            body=body,
            creates=path + "/{id}",
            inferred=True,
        ),
        ActionCase(f"iam:Update{noun}", "PUT", item, one, made_one, body=body, inferred=True),
        ActionCase(f"iam:Delete{noun}", "DELETE", item, one, made_one, inferred=True),
    ]


CASES: list[ActionCase] = [
    ActionCase("iam:GetUser", "GET", _USER_PATH, _USER_ARN, _USER),
    ActionCase(
        "iam:InviteUser",
        "POST",
        "/api/invites",
        "arn:api7:iam:user/*",
        _USER,
        body={**_INVITE, "username": "{unique}-2"},
        creates="/api/users/{id}",
    ),
    ActionCase(
        "iam:UpdateUser",
        "PUT",
        _USER_PATH,
        _USER_ARN,
        _USER,
        body={"name": "Renamed"},
        inferred=True,
    ),
    ActionCase("iam:DeleteUser", "DELETE", _USER_PATH, _USER_ARN, _USER),
    ActionCase(
        "iam:UpdateUserRole",
        "PUT",
        _USER_PATH + "/assigned_roles",
        _USER_ARN,
        _USER,
        body={"roles": []},
    ),
    ActionCase(
        "iam:ResetPassword",
        "PUT",
        _USER_PATH + "/password_reset",
        _USER_ARN,
        _USER,
        body={"password": "gwconform-Pw-2"},
    ),
    ActionCase(
        "iam:UpdateUserBoundary",
        "PUT",
        _USER_PATH + "/boundaries",
        _USER_ARN,
        _USER,
        body=[],
        inferred=True,
    ),
    *_crud(
        "Role",
        "/api/roles",
        "arn:api7:iam:role",
        _ROLE,
        {"name": "{unique}-x", "policies": []},
        get_documented=True,
    ),
    *_crud(
        "PermissionPolicy",
        "/api/permission_policies",
        "arn:api7:iam:permissionpolicy",
        _POLICY,
        {**_POLICY_BODY, "name": "{unique}-x"},
        get_documented=False,
    ),
    ActionCase("iam:GetAudit", "GET", "/api/audit_logs", _ORGANIZATION),
    ActionCase(
        "iam:ExportAudits",
        "GET",
        "/api/audit_logs/export",
        _ORGANIZATION,
        params={"format": "json"},
    ),
]
