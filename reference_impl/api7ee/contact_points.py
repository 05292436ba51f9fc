"""Where alerts go: contact points (`/api/contact_points[/{contact_point_id}]`, email or
webhook, 3.9.9) and webhook templates (`/api/alert/webhook_templates[/{id}]`, 3.2.14), with
a contact point's notification logs and usages and a template's referring policies.

The 3.9.9 page collapses `email_config`; its fields here (`addresses`) are inferred, and a
webhook contact point carries the fields of a 3.2.14 webhook template."""

from __future__ import annotations

from typing import Any

from ..api.actions import crud_actions
from ..api.collection import RecordCollection
from ..api.context import CollectionRequest, Context
from ..api.errors import ApiError
from ..api.listing import list_answer
from .context import API, Api, Call
from .group_collections import api_routes
from .schemas import DESC, LABELS, check

CONTACT_POINTS = "contact_points"
WEBHOOK_TEMPLATES = "webhook_templates"
ALERT_POLICIES = "alert_policies"
NOTIFICATION_LOGS = "notification_logs"  # /notification_logs/<contact point id>/<log id>

HEADERS = {
    "type": "array",
    "minItems": 1,
    "maxItems": 16,
    "items": {
        "type": "object",
        "required": ["name", "value"],
        "properties": {
            "name": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "pattern": "^[-_a-zA-Z0-9]+$",
            },
            "value": {"type": "string", "minLength": 1, "maxLength": 1024},
        },
        "additionalProperties": False,
    },
}
URL = {"type": "string", "minLength": 1, "maxLength": 1024, "pattern": "^https?://"}
WEBHOOK_FIELDS = {
    "url": URL,
    "method": {"type": "string", "enum": ["POST"], "default": "POST"},
    "skip_tls_verify": {"type": "boolean", "default": False},
    "headers": HEADERS,
    "template": {"type": "string", "maxLength": 65536},
}
EMAIL = {"type": "string", "minLength": 3, "maxLength": 255, "pattern": r"^[^@\s]+@[^@\s]+$"}
CONTACT_POINT = {
    "type": "object",
    "required": ["name", "type"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 256},
        "desc": DESC,
        "labels": LABELS,
        "type": {"type": "string", "enum": ["email", "webhook"]},
        "email_config": {
            "type": "object",
            "required": ["addresses"],
            "properties": {
                "addresses": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 64,
                    "uniqueItems": True,
                    "items": EMAIL,
                }
            },
            "additionalProperties": False,
        },
        "webhook_config": {
            "type": "object",
            "required": ["url"],
            "properties": WEBHOOK_FIELDS,
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}
WEBHOOK_TEMPLATE = {
    "type": "object",
    "required": ["name", "url", "template", "skip_tls_verify"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 20},
        "desc": {"type": "string", "maxLength": 255},
        **WEBHOOK_FIELDS,
    },
    "additionalProperties": False,
}
USAGE_TYPES = ("alert_policy", "api_product_notification")
LOG_STATUSES = ("success", "failed")


class ContactPoints(RecordCollection):
    name, kind = CONTACT_POINTS, "contact point"
    item_pattern = "{contact_point_id}"
    unsupported = frozenset({"patch"})
    actions = crud_actions(
        "ContactPoint", (), item_arg="contact_point_id", patch=False, prefix="iam"
    )
    search_fields = ("name", "desc", "id")

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        body = check(CONTACT_POINT, conf, read_only_ok=True)
        wanted = f"{body['type']}_config"
        other = "webhook_config" if body["type"] == "email" else "email_config"
        if wanted not in body:
            raise ApiError(
                400, f"invalid request body: a {body['type']} contact point needs {wanted}"
            )
        if other in body:
            raise ApiError(
                400,
                f"invalid request body: {other} does not belong to a {body['type']} contact point",
            )
        if body["type"] == "webhook":
            body["webhook_config"] = {
                "method": "POST",
                "skip_tls_verify": False,
                **body["webhook_config"],
            }
        return body

    def narrow(self, ctx: Context, req: CollectionRequest, rows: list[dict[str, Any]]):
        wanted = req.args.get("type")
        if wanted is not None and wanted not in ("email", "webhook"):
            raise ApiError(400, "invalid query parameter type: must be email or webhook")
        return [r for r in rows if wanted is None or r["type"] == wanted]

    def missing(self, id: str, req: CollectionRequest) -> str:
        return f"contact point {id} not found"


class WebhookTemplates(RecordCollection):
    name, kind, path = WEBHOOK_TEMPLATES, "webhook template", "alert/webhook_templates"
    item_pattern = "{webhook_template_id}"
    unsupported = frozenset({"patch"})
    actions = crud_actions("WebhookTemplate", (), patch=False)
    search_fields = ("name", "desc", "id")

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        return {"method": "POST", **check(WEBHOOK_TEMPLATE, conf, read_only_ok=True)}

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        users = [
            p["name"] for p in _policies(ctx.records.all(ALERT_POLICIES), "webhook_templates", id)
        ]
        if users:
            raise ApiError(400, f"webhook template {id} is still used by alert policies {users}")

    def missing(self, id: str, req: CollectionRequest) -> str:
        return f"webhook template {id} not found"


def _policies(policies: list[dict[str, Any]], field: str, id: str) -> list[dict[str, Any]]:
    """The policies that name `id` in `field` (webhook template ids, or notifications)."""
    if field == "webhook_templates":
        return [p for p in policies if id in (p.get("webhook_templates") or [])]
    return [
        p
        for p in policies
        if any(n.get("contact_point_id") == id for n in p.get("notifications") or [])
    ]


def _existing(api: Api, kind: str, id: str, what: str) -> dict[str, Any]:
    found = api.cp.get(kind, id)
    if found is None:
        raise ApiError(404, f"{what} {id} not found")
    return found


def notification_logs(api: Api, call: Call) -> tuple[int, Any]:
    cp_id = call.params["contact_point_id"]
    _existing(api, CONTACT_POINTS, cp_id, "contact point")
    rows = api.cp.all(NOTIFICATION_LOGS, cp_id)
    for name, allowed in (("resource_type", USAGE_TYPES), ("status", LOG_STATUSES)):
        wanted = call.args.get(name)
        if wanted is not None and wanted not in allowed:
            raise ApiError(400, f"invalid query parameter {name}: must be one of {list(allowed)}")
        rows = [r for r in rows if wanted is None or r[name] == wanted]
    rows = in_time(rows, call, "send_time")
    return 200, list_answer(rows, call.args, order_fields=("send_time",), default_order="send_time")


def usages(api: Api, call: Call) -> tuple[int, Any]:
    cp_id = call.params["contact_point_id"]
    _existing(api, CONTACT_POINTS, cp_id, "contact point")
    wanted = call.args.get("resource_type")
    if wanted is not None and wanted not in USAGE_TYPES:
        raise ApiError(
            400, f"invalid query parameter resource_type: must be one of {list(USAGE_TYPES)}"
        )
    rows = []
    if wanted in (None, "alert_policy"):
        policies = _policies(api.cp.all(ALERT_POLICIES), "notifications", cp_id)
        rows = [_usage(p, "alert_policy") for p in policies]
    return 200, list_answer(rows, call.args)


def template_referrers(api: Api, call: Call) -> tuple[int, Any]:
    template_id = call.params["webhook_template_id"]
    _existing(api, WEBHOOK_TEMPLATES, template_id, "webhook template")
    policies = _policies(api.cp.all(ALERT_POLICIES), "webhook_templates", template_id)
    return 200, list_answer([_usage(p, "alert_policy") for p in policies], call.args)


def _usage(policy: dict[str, Any], kind: str) -> dict[str, Any]:
    return {
        "resource_type": kind,
        "id": policy["id"],
        "name": policy["name"],
        "created_at": policy["created_at"],
        "updated_at": policy["updated_at"],
    }


def in_time(rows: list[dict[str, Any]], call: Call, field: str) -> list[dict[str, Any]]:
    """Rows whose `field` is within `start_at`..`end_at` (seconds), when given."""
    for name, keep in (("start_at", lambda v, b: v >= b), ("end_at", lambda v, b: v <= b)):
        raw = call.args.get(name)
        if raw is None:
            continue
        try:
            bound = int(raw)
        except ValueError:
            raise ApiError(400, f"invalid query parameter {name}: must be an integer") from None
        rows = [r for r in rows if keep(r[field], bound)]
    return rows


ROUTES = [
    *api_routes(ContactPoints(), "contact_point_id"),
    *api_routes(WebhookTemplates(), "webhook_template_id"),
    API(
        "GET",
        "/contact_points/{contact_point_id}/notification_logs",
        notification_logs,
        "iam:GetContactPoint",
        "contact_point_id",
    ),
    API(
        "GET",
        "/contact_points/{contact_point_id}/usages",
        usages,
        "iam:GetContactPoint",
        "contact_point_id",
    ),
    API(
        "GET",
        "/alert/webhook_templates/{webhook_template_id}/refer",
        template_referrers,
        "gateway:GetWebhookTemplate",
    ),
]
