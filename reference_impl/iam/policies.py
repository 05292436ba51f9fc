"""Permission policies: their declaration, who references a policy (a policy in use is not
deleted), and the references endpoint."""

from __future__ import annotations

from typing import Any

from ..api.actions import crud_actions
from ..api.collection import RecordCollection
from ..api.context import CollectionRequest, Context
from ..api.errors import ApiError, not_found
from ..api.records import Records
from .collections import routes
from .engine import PolicyDocumentError, check_policy_document
from .service import IamService
from .web import API, IamCall, described


def policy_or_404(iam: IamService, policy_id: str) -> dict[str, Any]:
    policy = iam.records.get("permission_policies", policy_id)
    if policy is None:
        raise not_found(f"permission policy {policy_id}")
    return policy


def references(records: Records, policy_id: str) -> list[dict[str, Any]]:
    """Roles that attach the policy and users that have it as a boundary."""
    rows = [
        {"type": "role", "id": r["id"], "name": r["name"]}
        for r in records.all("roles")
        if policy_id in (r.get("policies") or ())
    ]
    rows += [
        {"type": "user", "id": u["id"], "name": u["username"]}
        for u in records.all("users")
        if policy_id in (u.get("boundaries") or ())
    ]
    return rows


class PermissionPolicies(RecordCollection):
    name, kind = "permission_policies", "permission policy"
    unsupported = frozenset({"patch"})
    item_pattern = "{permission_policy_id}"
    actions = crud_actions(
        "PermissionPolicy", (), item_arg="permission_policy_id", patch=False, prefix="iam"
    )

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        document = conf.get("policy_document")
        if document is None:
            raise ApiError(400, "invalid request body: policy_document is required")
        try:
            check_policy_document(document)
        except PolicyDocumentError as exc:
            raise ApiError(400, f"invalid request body: {exc}") from None
        if conf.get("type", "custom") not in ("built_in", "custom"):
            raise ApiError(400, "invalid request body: type must be built_in or custom")
        return {**described(conf, 100), "policy_document": document, "type": "custom"}

    def check_mutable(self, ctx: Context, value: Any) -> None:
        if value.get("type") == "built_in":
            raise ApiError(400, f"the built-in permission policy {value['name']} cannot be changed")

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        users = references(ctx.records, id)
        if users:
            names = ", ".join(f"{r['type']} {r['name']}" for r in users)
            raise ApiError(400, f"permission policy {id} is still referenced by {names}")


POLICIES = PermissionPolicies()


def policy_references(iam: IamService, call: IamCall):
    rows = references(iam.records, policy_or_404(iam, call.params["permission_policy_id"])["id"])
    return {"list": rows, "total": len(rows)}


ROUTES = [
    *routes(POLICIES, "permission_policy_id"),
    API(
        "GET",
        "/permission_policies/{permission_policy_id}/references",
        policy_references,
        "iam:GetPermissionPolicy",
        "permission_policy_id",
    ),
]
