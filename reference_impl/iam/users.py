"""Users: invite, list, get, update, delete, assigned roles, boundaries, password reset."""

from __future__ import annotations

from typing import Any, cast

from starlette.datastructures import QueryParams

from ..api.actions import crud_actions
from ..api.collection import RecordCollection
from ..api.context import CollectionRequest, Context
from ..api.errors import ApiError, not_found
from ..api.records import Records
from . import builtins, secrets
from .collections import routes
from .records import now
from .service import IamService
from .web import API, IamCall, ids, labels, public_user, text


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


class Users(RecordCollection):
    """Users are created by invitation (`/invites`); PUT changes a user's name and labels."""

    name, kind = "users", "user"
    unsupported = frozenset({"post", "patch"})
    item_pattern = "{user_id}"
    search_fields = ("username", "name", "email")
    actions = crud_actions("User", (), item_arg="user_id", patch=False, prefix="iam", create=False)

    def view(self, value: Any) -> Any:
        return public_user(value)

    def narrow(self, ctx: Context, req: CollectionRequest, rows: list[dict[str, Any]]):
        wanted = [r for r in cast(QueryParams, req.args).getlist("roles") if r]
        if wanted:
            rows = [u for u in rows if set(wanted) & set(u.get("roles") or ())]
        return rows

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        user = ctx.records.get("users", str(id)) or {}
        changes: dict[str, Any] = {"labels": labels(conf)}
        name = text(conf, "name", required=False, max_len=128)
        if name is not None:
            changes["name"] = name
        return {**user, **changes}

    def after_delete(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        for kind in ("tokens", "sessions"):
            for owned in ctx.records.all(kind):
                if owned["user_id"] == id:
                    ctx.records.delete(kind, owned["id"])


def _deletable(handler: Any) -> Any:
    """DELETE of a user: never the built-in admin, never oneself."""

    def delete(iam: IamService, call: IamCall) -> Any:
        user_id = call.params["user_id"]
        if user_id == builtins.ADMIN_USER_ID and iam.records.get("users", user_id) is not None:
            raise ApiError(400, "the built-in admin user cannot be deleted")
        if call.principal.is_user and call.principal.id == user_id:
            raise ApiError(400, "you cannot delete yourself")
        return handler(iam, call)

    return delete


def _save(iam: IamService, user: dict[str, Any], **changes: Any):
    updated = {**user, **changes, "updated_at": now()}
    iam.records.put("users", updated)
    return {"value": public_user(updated)}


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


USER = "/users/{user_id}"
ROUTES = [
    API("POST", "/invites", invite, "iam:InviteUser"),
    *(
        (method, path, _deletable(handler) if method == "DELETE" else handler)
        for method, path, handler in routes(Users(), "user_id")
    ),
    API("PUT", f"{USER}/assigned_roles", assign_roles, "iam:UpdateUserRole", "user_id"),
    API("PUT", f"{USER}/boundaries", set_boundaries, "iam:UpdateUserBoundary", "user_id"),
    API("PUT", f"{USER}/password_reset", reset_password, "iam:ResetPassword", "user_id"),
]
