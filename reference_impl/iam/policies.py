"""Permission policies: CRUD, who references a policy, and refusing to delete one in use."""

from __future__ import annotations

from typing import Any

from ..api.errors import ApiError, not_found
from .engine import PolicyDocumentError, check_policy_document
from .records import now
from .service import IamService
from .web import IamCall, labels, text


def policy_or_404(iam: IamService, policy_id: str) -> dict[str, Any]:
    policy = iam.records.get("permission_policies", policy_id)
    if policy is None:
        raise not_found(f"permission policy {policy_id}")
    return policy


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    document = body.get("policy_document")
    if document is None:
        raise ApiError(400, "invalid request body: policy_document is required")
    try:
        check_policy_document(document)
    except PolicyDocumentError as exc:
        raise ApiError(400, f"invalid request body: {exc}") from None
    if body.get("type", "custom") not in ("built_in", "custom"):
        raise ApiError(400, "invalid request body: type must be built_in or custom")
    return {
        "name": text(body, "name", required=True, max_len=100),
        "desc": text(body, "desc", required=False, max_len=65536, min_len=0) or "",
        "labels": labels(body),
        "policy_document": document,
    }


def _custom(policy: dict[str, Any]) -> dict[str, Any]:
    if policy.get("type") == "built_in":
        raise ApiError(400, f"the built-in permission policy {policy['name']} cannot be changed")
    return policy


def references(iam: IamService, policy_id: str) -> list[dict[str, Any]]:
    """Roles that attach the policy and users that have it as a boundary."""
    rows = [
        {"type": "role", "id": r["id"], "name": r["name"]}
        for r in iam.records.all("roles")
        if policy_id in (r.get("policies") or ())
    ]
    rows += [
        {"type": "user", "id": u["id"], "name": u["username"]}
        for u in iam.records.all("users")
        if policy_id in (u.get("boundaries") or ())
    ]
    return rows


def list_policies(iam: IamService, call: IamCall):
    return call.listing(iam.records.all("permission_policies"))


def create_policy(iam: IamService, call: IamCall):
    stamp = now()
    policy = {"id": iam.records.new_id(), **_fields(call.obj()), "type": "custom"}
    policy.update(created_at=stamp, updated_at=stamp)
    iam.records.put("permission_policies", policy)
    return {"value": policy}


def get_policy(iam: IamService, call: IamCall):
    return {"value": policy_or_404(iam, call.params["permission_policy_id"])}


def update_policy(iam: IamService, call: IamCall):
    policy = _custom(policy_or_404(iam, call.params["permission_policy_id"]))
    updated = {**policy, **_fields(call.obj()), "updated_at": now()}
    iam.records.put("permission_policies", updated)
    return {"value": updated}


def delete_policy(iam: IamService, call: IamCall):
    policy = _custom(policy_or_404(iam, call.params["permission_policy_id"]))
    users = references(iam, policy["id"])
    if users:
        names = ", ".join(f"{r['type']} {r['name']}" for r in users)
        raise ApiError(400, f"permission policy {policy['id']} is still referenced by {names}")
    iam.records.delete("permission_policies", policy["id"])
    return {"value": {}}


def policy_references(iam: IamService, call: IamCall):
    rows = references(iam, policy_or_404(iam, call.params["permission_policy_id"])["id"])
    return {"list": rows, "total": len(rows)}


ROUTES = [
    ("GET", "/permission_policies", list_policies),
    ("POST", "/permission_policies", create_policy),
    ("GET", "/permission_policies/{permission_policy_id}", get_policy),
    ("PUT", "/permission_policies/{permission_policy_id}", update_policy),
    ("DELETE", "/permission_policies/{permission_policy_id}", delete_policy),
    ("GET", "/permission_policies/{permission_policy_id}/references", policy_references),
]
