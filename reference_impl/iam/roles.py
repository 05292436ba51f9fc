"""Roles: the built-in Super Admin, Admin and Viewer, custom roles, and attaching and
detaching permission policies."""

from __future__ import annotations

from typing import Any

from ..api.actions import crud_actions
from ..api.collection import RecordCollection
from ..api.context import CollectionRequest, Context
from ..api.errors import ApiError, not_found
from . import builtins
from .collections import routes
from .records import now
from .service import IamService
from .users import check_policies
from .web import API, IamCall, described, ids


def role_or_404(iam: IamService, role_id: str) -> dict[str, Any]:
    role = iam.records.get("roles", role_id)
    if role is None:
        raise not_found(f"role {role_id}")
    return role


def _custom(role: dict[str, Any]) -> dict[str, Any]:
    if role["id"] in builtins.BUILT_IN_ROLES:
        raise ApiError(400, f"the built-in role {role['name']} cannot be changed")
    return role


class Roles(RecordCollection):
    name, kind = "roles", "role"
    unsupported = frozenset({"patch"})
    item_pattern = "{role_id}"
    actions = crud_actions("Role", (), item_arg="role_id", patch=False, prefix="iam")

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        policies = ids(conf, "policies")
        check_policies(ctx.records, policies)
        return {**described(conf, 256), "policies": policies, "type": "custom"}

    def check_mutable(self, ctx: Context, value: Any) -> None:
        _custom(value)

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        holders = [u["username"] for u in ctx.records.all("users") if id in (u.get("roles") or ())]
        if holders:
            raise ApiError(400, f"role {id} is still assigned to users: {', '.join(holders)}")


ROLES = Roles()


def role_policies(iam: IamService, call: IamCall):
    role = role_or_404(iam, call.params["role_id"])
    rows = [iam.records.get("permission_policies", p) for p in role.get("policies") or ()]
    return call.listing([r for r in rows if r is not None])


def attach(iam: IamService, call: IamCall):
    role = _custom(role_or_404(iam, call.params["role_id"]))
    wanted = call.id_list()
    check_policies(iam.records, wanted)
    policies = list(dict.fromkeys([*(role.get("policies") or ()), *wanted]))
    iam.records.put("roles", {**role, "policies": policies, "updated_at": now()})
    return {"value": {}}


def detach(iam: IamService, call: IamCall):
    role = _custom(role_or_404(iam, call.params["role_id"]))
    unwanted = set(call.id_list())
    policies = [p for p in role.get("policies") or () if p not in unwanted]
    iam.records.put("roles", {**role, "policies": policies, "updated_at": now()})
    return {"value": {}}


ROUTES = [
    *routes(ROLES, "role_id"),
    API(
        "GET",
        "/roles/{role_id}/permission_policies",
        role_policies,
        "iam:GetPermissionPolicy",
        "*",
        lists="id",
    ),
    API("POST", "/roles/{role_id}/attach_permission_policies", attach, "iam:UpdateRole", "role_id"),
    API("POST", "/roles/{role_id}/detach_permission_policies", detach, "iam:UpdateRole", "role_id"),
]
