"""Alert policies (`/api/alert/policies[/{alert_policy_id}]`, their `/triggers`) and the alert
history (`/api/alert/policies/histories`). A policy's trigger conditions are the 3.2.14
events; `alert_engine.py` evaluates enabled policies every `check_interval` seconds over the
gateway groups of their `scope` (default: every group) and notifies their contact points
and webhook templates.

An event the reference cannot evaluate (the control plane's own certificate: it has none)
is refused with a 400 rather than stored and never checked."""

from __future__ import annotations

from typing import Any

from ..api.actions import crud_actions
from ..api.collection import RecordCollection
from ..api.context import CollectionRequest, Context
from ..api.errors import ApiError
from ..api.listing import list_answer
from .contact_points import ALERT_POLICIES, CONTACT_POINTS, WEBHOOK_TEMPLATES, in_time
from .context import API, Api, Call
from .group_collections import api_routes
from .schemas import DESC, ID, LABELS, check

ALERT_HISTORIES = "alert_histories"
UNITS = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "month": 30 * 86400,
    "year": 365 * 86400,
}
UNIT = {"type": "string", "enum": list(UNITS)}
STATUS_CODE_EVENTS = ("number_of_status_code", "ratio_of_status_code")
CERT_EVENTS = ("gateway_certificate_will_expire_in", "control_plane_certificate_will_expire_in")
UNSUPPORTED_EVENTS = {
    "control_plane_certificate_will_expire_in": "the reference's control plane has no "
    "certificate of its own"
}
STATUS_CODE = {
    "type": "object",
    "required": ["event", "event_config", "operator", "value"],
    "properties": {
        "event": {"type": "string", "enum": list(STATUS_CODE_EVENTS)},
        "event_config": {
            "type": "object",
            "required": ["http_status_code", "duration", "unit"],
            "properties": {
                "duration": {"type": "integer", "minimum": 1},
                "unit": UNIT,
                "http_status_code": {"type": "string", "pattern": "^([2-5][0-9]{2}|[2-5]xx)$"},
            },
            "additionalProperties": False,
        },
        "operator": {"type": "string", "enum": ["larger_equal", "larger_than"]},
        "value": {"type": "integer", "minimum": 0},
    },
    "additionalProperties": False,
}
CERT_EXPIRY = {
    "type": "object",
    "required": ["event", "operator", "value", "value_unit"],
    "properties": {
        "event": {"type": "string", "enum": list(CERT_EVENTS)},
        "operator": {"type": "string", "enum": ["less_equal", "less_than"]},
        "value": {"type": "integer", "minimum": 0},
        "value_unit": {"type": "string", "enum": ["day"]},
    },
    "additionalProperties": False,
}
INSTANCE_OFFLINE = {
    "type": "object",
    "required": ["event", "operator", "value", "value_unit"],
    "properties": {
        "event": {"type": "string", "enum": ["gateway_instance_offline"]},
        "operator": {"type": "string", "enum": ["equal", "larger_equal", "larger_than"]},
        "value": {"type": "integer", "minimum": 0},
        "value_unit": UNIT,
    },
    "additionalProperties": False,
}
CONDITIONS = {
    "type": "array",
    "minItems": 1,
    "maxItems": 64,
    "items": {
        "type": "object",
        "required": ["event"],
        "properties": {
            "event": {
                "type": "string",
                "enum": [*STATUS_CODE_EVENTS, *CERT_EVENTS, "gateway_instance_offline"],
            }
        },
    },
}
EVENT_SCHEMAS = {
    **dict.fromkeys(STATUS_CODE_EVENTS, STATUS_CODE),
    **dict.fromkeys(CERT_EVENTS, CERT_EXPIRY),
    "gateway_instance_offline": INSTANCE_OFFLINE,
}
TRIGGERS = {
    "trigger_logical_operator": {"type": "string", "enum": ["All", "Any"], "default": "All"},
    "trigger_conditions": CONDITIONS,
}
NOTIFICATION = {
    "type": "object",
    "required": ["contact_point_id"],
    "properties": {
        "type": {"type": "string", "enum": ["email", "webhook"]},
        "contact_point_id": ID,
    },
    "additionalProperties": False,
}
POLICY = {
    "type": "object",
    "required": ["name", "trigger_conditions"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "desc": DESC,
        "labels": LABELS,
        "enable": {"type": "boolean", "default": True},
        "check_interval": {"type": "integer", "minimum": 1, "maximum": 86400, "default": 60},
        "severity": {"type": "string", "enum": ["high", "medium", "low"], "default": "medium"},
        "scope": {"type": "array", "minItems": 1, "uniqueItems": True, "items": ID},
        "notifications": {"type": "array", "maxItems": 64, "items": NOTIFICATION},
        "webhook_templates": {"type": "array", "maxItems": 10, "uniqueItems": True, "items": ID},
        **TRIGGERS,
    },
    "additionalProperties": False,
}
SEVERITIES = ("high", "medium", "low")


def check_conditions(conditions: list[dict[str, Any]]) -> None:
    for at, condition in enumerate(conditions):
        event = condition["event"]
        if event in UNSUPPORTED_EVENTS:
            raise ApiError(
                400,
                f"invalid trigger_conditions/{at}: event {event} is not supported: "
                f"{UNSUPPORTED_EVENTS[event]}",
            )
        try:
            check(EVENT_SCHEMAS[event], condition)
        except ApiError as exc:
            raise ApiError(400, f"invalid trigger_conditions/{at}: {exc.message}") from None


class AlertPolicies(RecordCollection):
    name, kind, path = ALERT_POLICIES, "alert policy", "alert/policies"
    item_pattern = "{alert_policy_id}"
    actions = crud_actions("AlertPolicy", (), item_arg="alert_policy_id")
    order_fields = ("created_at", "updated_at", "name", "severity")
    search_fields = ("name", "desc", "id")

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        body = check(POLICY, conf, read_only_ok=True)
        check_conditions(body["trigger_conditions"])
        for at, note in enumerate(body.get("notifications") or []):
            point = ctx.records.get(CONTACT_POINTS, note["contact_point_id"])
            if point is None:
                raise ApiError(
                    400,
                    f"invalid notifications/{at}: contact point {note['contact_point_id']} not found",
                )
            if note.get("type", point["type"]) != point["type"]:
                raise ApiError(
                    400,
                    f"invalid notifications/{at}: contact point {point['id']} is of type {point['type']}",
                )
        for template_id in body.get("webhook_templates") or []:
            if ctx.records.get(WEBHOOK_TEMPLATES, template_id) is None:
                raise ApiError(
                    400, f"invalid webhook_templates: webhook template {template_id} not found"
                )
        defaults = {
            "enable": True,
            "check_interval": 60,
            "severity": "medium",
            "trigger_logical_operator": "All",
        }
        return {**defaults, **body}

    def narrow(self, ctx: Context, req: CollectionRequest, rows: list[dict[str, Any]]):
        for name, field, allowed in (
            ("status", "enable", ("enabled", "disabled")),
            ("severity", "severity", SEVERITIES),
        ):
            wanted = set(_many(req.args, name))
            if not wanted <= set(allowed):
                raise ApiError(
                    400, f"invalid query parameter {name}: must be among {list(allowed)}"
                )
            if name == "status" and wanted:
                rows = [r for r in rows if ("enabled" if r["enable"] else "disabled") in wanted]
            elif wanted:
                rows = [r for r in rows if r[field] in wanted]
        return rows

    def missing(self, id: str, req: CollectionRequest) -> str:
        return f"alert policy {id} not found"

    def after_delete(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        for entry in [h for h in ctx.records.all(ALERT_HISTORIES) if h["alert_policy_id"] == id]:
            ctx.records.delete(ALERT_HISTORIES, entry["id"])


def _many(args: Any, name: str) -> list[str]:
    return [v for raw in args.getlist(name) for v in raw.split(",") if v]


def update_triggers(api: Api, call: Call) -> tuple[int, Any]:
    """PUT `/triggers`: replace the policy's logical operator and trigger conditions."""
    policy_id = call.params["alert_policy_id"]
    body = check({"type": "object", "required": ["trigger_conditions"], "properties": TRIGGERS,
                  "additionalProperties": False}, call.obj())  # fmt: skip
    check_conditions(body["trigger_conditions"])
    policy = api.cp.get(ALERT_POLICIES, policy_id)
    if policy is None:
        raise ApiError(404, f"alert policy {policy_id} not found")
    policy = {**policy, "trigger_logical_operator": "All", **body, "updated_at": api.cp.clock()}
    api.cp.put(ALERT_POLICIES, policy)
    return 200, {"value": policy}


def histories(api: Api, call: Call) -> tuple[int, Any]:
    rows = api.cp.all(ALERT_HISTORIES)
    for name in ("alert_policy_id", "gateway_group_id"):
        wanted = call.args.get(name)
        if wanted is not None:
            rows = [r for r in rows if r.get(name) == wanted]
    severities = set(_many(call.args, "severity"))
    if not severities <= set(SEVERITIES):
        raise ApiError(400, f"invalid query parameter severity: must be among {list(SEVERITIES)}")
    rows = [r for r in rows if not severities or r["severity"] in severities]
    rows = in_time(rows, call, "alert_time")
    return 200, list_answer(
        rows,
        call.args,
        order_fields=("alert_time",),
        default_order="alert_time",
        search_fields=("alert_policy_name", "detail"),
    )


ROUTES = [
    API(
        "GET", "/alert/policies/histories", histories, "gateway:GetAlertPolicy", "*"
    ),  # before the policy of that id
    *api_routes(AlertPolicies(), "alert_policy_id"),
    API(
        "PUT",
        "/alert/policies/{alert_policy_id}/triggers",
        update_triggers,
        "gateway:UpdateAlertPolicy",
        "alert_policy_id",
    ),
]
