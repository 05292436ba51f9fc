"""The built-in permission policies and roles (Super Admin, Admin, Viewer) and the
bootstrap `admin` user."""

from __future__ import annotations

from typing import Any

SUPER_ADMIN = "super_admin"
ADMIN = "admin"
VIEWER = "viewer"
BUILT_IN_ROLES = (SUPER_ADMIN, ADMIN, VIEWER)
ADMIN_USER_ID = "admin"
# what earlier versions created the `admin` user with; never accepted unless configured
FORMER_ADMIN_PASSWORD = "admin"


def _policy(policy_id: str, name: str, desc: str, statements: list[dict[str, Any]]):
    return {
        "id": policy_id,
        "name": name,
        "desc": desc,
        "type": "built_in",
        "labels": {},
        "policy_document": {"statement": statements},
    }


BUILT_IN_POLICIES = (
    _policy(
        "super-admin-permission-policy",
        "Super Admin",
        "Every action on every resource.",
        [{"effect": "allow", "actions": ["<.*>"], "resources": ["<.*>"]}],
    ),
    _policy(
        "admin-permission-policy",
        "Admin",
        "Every gateway and portal action, and reading IAM resources.",
        [
            {"effect": "allow", "actions": ["gateway:<.*>", "portal:<.*>"], "resources": ["<.*>"]},
            {"effect": "allow", "actions": ["iam:Get<.*>"], "resources": ["<.*>"]},
        ],
    ),
    _policy(
        "viewer-permission-policy",
        "Viewer",
        "Reading every resource except secrets such as gateway group admin keys.",
        [
            {
                "effect": "allow",
                "actions": ["<.*>:Get<.*>", "portal:ListPortals"],
                "resources": ["<.*>"],
            },
            {"effect": "deny", "actions": ["gateway:GetAdminKey"], "resources": ["<.*>"]},
        ],
    ),
)

BUILT_IN_ROLE_RECORDS = (
    {"id": SUPER_ADMIN, "name": "Super Admin", "policies": ["super-admin-permission-policy"]},
    {"id": ADMIN, "name": "Admin", "policies": ["admin-permission-policy"]},
    {"id": VIEWER, "name": "Viewer", "policies": ["viewer-permission-policy"]},
)
