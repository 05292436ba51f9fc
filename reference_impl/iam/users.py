"""Users: invite, list, get, update, delete, assigned roles, boundaries, password reset."""

from __future__ import annotations

from typing import Any

from ..api.errors import ApiError, not_found
from ..api.records import Records
from . import builtins, secrets
from .records import now
from .service import IamService
from .web import IamCall, ids, labels, public_user, text


def user_or_404(iam: IamService, user_id: str) -> dict[str, Any]:
    user = iam.records.get("users", user_id)
    if user is None:
        raise not_found(f"user {user_id}")
    return user


def check_roles(records: Records, role_ids: list[str]) -> None:
    for role_id in role_ids:
        if records.get("roles", role_id) is None:
            raise ApiError(400, f"role {role_id} not found")


def check_policies(records: Records, policy_ids: list[str]) -> None:
    for policy_id in policy_ids:
        if records.get("permission_policies", policy_id) is None:
            raise ApiError(400, f"permission policy {policy_id} not found")


def invite(iam: IamService, call: IamCall):
    body = call.obj()
    username = text(body, "username", required=True, max_len=128)
    password = text(body, "password", required=True, max_len=128)
    name = text(body, "name", required=False, max_len=128) or username
    boundaries = ids(body, "boundaries")
    roles = ids(body, "roles")
    check_policies(iam.records, boundaries)
    check_roles(iam.records, roles)
    if iam.find_user(username) is not None:
        raise ApiError(400, f"user {username} already exists")
    stamp = now()
    user = {
        "id": iam.records.new_id(),
        "username": username,
        "name": name,
        "email": "",
        "labels": labels(body),
        "state": "Active",
        "type": "custom",
        "roles": roles,
        "boundaries": boundaries,
        "password_hash": secrets.hash_password(password, iam.bcrypt_rounds),
        "created_at": stamp,
        "updated_at": stamp,
    }
    iam.records.put("users", user)
    return {"value": public_user(user)}


def list_users(iam: IamService, call: IamCall):
    rows = [public_user(u) for u in iam.records.all("users")]
    wanted = [r for r in call.args.getlist("roles") if r]
    if wanted:
        rows = [u for u in rows if set(wanted) & set(u.get("roles") or ())]
    return call.listing(rows, search_fields=("username", "name", "email"))


def get_user(iam: IamService, call: IamCall):
    return {"value": public_user(user_or_404(iam, call.params["user_id"]))}


def _save(iam: IamService, user: dict[str, Any], **changes: Any):
    updated = {**user, **changes, "updated_at": now()}
    iam.records.put("users", updated)
    return {"value": public_user(updated)}


def update_user(iam: IamService, call: IamCall):
    user = user_or_404(iam, call.params["user_id"])
    body = call.obj()
    changes: dict[str, Any] = {"labels": labels(body)}
    name = text(body, "name", required=False, max_len=128)
    if name is not None:
        changes["name"] = name
    return _save(iam, user, **changes)


def delete_user(iam: IamService, call: IamCall):
    user = user_or_404(iam, call.params["user_id"])
    if user["id"] == builtins.ADMIN_USER_ID:
        raise ApiError(400, "the built-in admin user cannot be deleted")
    if call.principal.is_user and call.principal.id == user["id"]:
        raise ApiError(400, "you cannot delete yourself")
    iam.records.delete("users", user["id"])
    for token in iam.records.all("tokens"):
        if token["user_id"] == user["id"]:
            iam.records.delete("tokens", token["id"])
    for session in iam.records.all("sessions"):
        if session["user_id"] == user["id"]:
            iam.records.delete("sessions", session["id"])
    return {"value": {}}


def assign_roles(iam: IamService, call: IamCall):
    user = user_or_404(iam, call.params["user_id"])
    roles = ids(call.obj(), "roles", required=True)
    check_roles(iam.records, roles)
    if user["id"] == builtins.ADMIN_USER_ID and builtins.SUPER_ADMIN not in roles:
        raise ApiError(400, "the built-in admin user keeps the Super Admin role")
    return _save(iam, user, roles=roles)


def set_boundaries(iam: IamService, call: IamCall):
    user = user_or_404(iam, call.params["user_id"])
    boundaries = call.id_list()
    check_policies(iam.records, boundaries)
    return _save(iam, user, boundaries=boundaries)


def reset_password(iam: IamService, call: IamCall):
    user = user_or_404(iam, call.params["user_id"])
    password = text(call.obj(), "password", required=True, max_len=128)
    hashed = secrets.hash_password(password, iam.bcrypt_rounds)
    return _save(iam, user, password_hash=hashed)


ROUTES = [
    ("POST", "/invites", invite),
    ("GET", "/users", list_users),
    ("GET", "/users/{user_id}", get_user),
    ("PUT", "/users/{user_id}", update_user),
    ("DELETE", "/users/{user_id}", delete_user),
    ("PUT", "/users/{user_id}/assigned_roles", assign_roles),
    ("PUT", "/users/{user_id}/boundaries", set_boundaries),
    ("PUT", "/users/{user_id}/password_reset", reset_password),
]
