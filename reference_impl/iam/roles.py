"""Roles: the built-in Super Admin, Admin and Viewer, custom roles, and attaching and
detaching permission policies."""

from __future__ import annotations

from typing import Any

from ..api.errors import ApiError, not_found
from . import builtins
from .records import now
from .service import IamService
from .users import check_policies
from .web import IamCall, ids, labels, text


def role_or_404(iam: IamService, role_id: str) -> dict[str, Any]:
    role = iam.records.get("roles", role_id)
    if role is None:
        raise not_found(f"role {role_id}")
    return role


def _custom(role: dict[str, Any]) -> dict[str, Any]:
    if role["id"] in builtins.BUILT_IN_ROLES:
        raise ApiError(400, f"the built-in role {role['name']} cannot be changed")
    return role


def _fields(iam: IamService, body: dict[str, Any]) -> dict[str, Any]:
    policies = ids(body, "policies")
    check_policies(iam, policies)
    return {
        "name": text(body, "name", required=True, max_len=256),
        "desc": text(body, "desc", required=False, max_len=65536, min_len=0) or "",
        "labels": labels(body),
        "policies": policies,
    }


def list_roles(iam: IamService, call: IamCall):
    return call.listing(iam.records.all("roles"))


def create_role(iam: IamService, call: IamCall):
    stamp = now()
    role = {"id": iam.records.new_id(), **_fields(iam, call.obj()), "type": "custom"}
    role.update(created_at=stamp, updated_at=stamp)
    iam.records.put("roles", role)
    return {"value": role}


def get_role(iam: IamService, call: IamCall):
    return {"value": role_or_404(iam, call.params["role_id"])}


def update_role(iam: IamService, call: IamCall):
    role = _custom(role_or_404(iam, call.params["role_id"]))
    updated = {**role, **_fields(iam, call.obj()), "updated_at": now()}
    iam.records.put("roles", updated)
    return {"value": updated}


def delete_role(iam: IamService, call: IamCall):
    role = _custom(role_or_404(iam, call.params["role_id"]))
    holders = [
        u["username"] for u in iam.records.all("users") if role["id"] in (u.get("roles") or ())
    ]
    if holders:
        raise ApiError(400, f"role {role['id']} is still assigned to users: {', '.join(holders)}")
    iam.records.delete("roles", role["id"])
    return {"value": {}}


def role_policies(iam: IamService, call: IamCall):
    role = role_or_404(iam, call.params["role_id"])
    rows = [iam.records.get("permission_policies", p) for p in role.get("policies") or ()]
    return call.listing([r for r in rows if r is not None])


def attach(iam: IamService, call: IamCall):
    role = _custom(role_or_404(iam, call.params["role_id"]))
    wanted = call.id_list()
    check_policies(iam, wanted)
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
    ("GET", "/roles", list_roles),
    ("POST", "/roles", create_role),
    ("GET", "/roles/{role_id}", get_role),
    ("PUT", "/roles/{role_id}", update_role),
    ("DELETE", "/roles/{role_id}", delete_role),
    ("GET", "/roles/{role_id}/permission_policies", role_policies),
    ("POST", "/roles/{role_id}/attach_permission_policies", attach),
    ("POST", "/roles/{role_id}/detach_permission_policies", detach),
]
