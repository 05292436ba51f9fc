"""The audit log: one record per write (who, what, when, on what, result), listable with
the documented filters and exportable as JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from typing import Any

from starlette.responses import Response

from ..api.errors import ApiError
from ..api.listing import int_arg
from .catalog import load_catalog
from .service import IamService
from .web import API, IamCall

FIELDS = (
    "id",
    "event_type",
    "event_time",
    "operator_id",
    "operator_name",
    "resource_id",
    "resource",
    "gateway_group_id",
    "action",
    "method",
    "path",
    "status_code",
    "result",
    "source_ip",
)
# event types of the writes that need no IAM action (the caller's own session and tokens)
SELF_SERVICE_EVENTS = {
    ("POST", "/api/login"): "Login",
    ("POST", "/api/logout"): "Logout",
    ("PUT", "/api/me"): "UpdateMyProfile",
    ("PUT", "/api/me/email"): "UpdateMyEmail",
    ("DELETE", "/api/me/email"): "DeleteMyEmail",
    ("PUT", "/api/password"): "UpdateMyPassword",
}
TOKEN_EVENTS = {"POST": "CreateToken", "PUT": "UpdateToken", "DELETE": "DeleteToken"}
_READ_PREFIXES = ("Get", "List", "Export")


def event_types() -> list[str]:
    writes = {
        e.action.partition(":")[2]
        for e in load_catalog()
        if not e.action.partition(":")[2].startswith(_READ_PREFIXES)
    }
    own = {*SELF_SERVICE_EVENTS.values(), *TOKEN_EVENTS.values(), "RegenerateToken"}
    return sorted(writes | own)


def event_type(method: str, path: str, action: str | None) -> str:
    """The event type of a write: its IAM action's name, or a self-service event."""
    if action:
        return action.partition(":")[2]
    if (method, path) in SELF_SERVICE_EVENTS:
        return SELF_SERVICE_EVENTS[(method, path)]
    if "/tokens" in path:
        return "RegenerateToken" if path.endswith("/regenerate") else TOKEN_EVENTS.get(method, "")
    return f"{method} {path}"


def record(iam: IamService, entry: dict[str, Any]) -> None:
    stamp = time.time()
    # the key sorts by time: the clock in microseconds, then randomness for ties
    entry_id = f"{int(stamp * 1_000_000):020d}-{uuid.uuid4().hex[:8]}"
    iam.records.put("audit_logs", {**entry, "id": entry_id, "event_time": int(stamp)})


def _filtered(iam: IamService, call: IamCall) -> list[dict[str, Any]]:
    rows = iam.records.all("audit_logs")  # in key order: oldest first
    for name in ("event_type", "operator_id", "resource_id", "gateway_group_id"):
        wanted = call.args.get(name)
        if wanted:
            rows = [r for r in rows if str(r.get(name) or "") == wanted]
    start, end = int_arg(call.args, "start_at"), int_arg(call.args, "end_at")
    if start is not None:
        rows = [r for r in rows if r["event_time"] >= start]
    if end is not None:
        rows = [r for r in rows if r["event_time"] <= end]
    return rows


def list_audit_logs(iam: IamService, call: IamCall):
    rows = _filtered(iam, call)
    if (call.args.get("order_by") or "event_time") != "event_time":
        raise ApiError(400, "invalid query parameter order_by: must be event_time")
    direction = call.args.get("direction") or "desc"
    if direction not in ("asc", "desc"):
        raise ApiError(400, "invalid query parameter direction: must be asc or desc")
    if direction == "desc":
        rows.reverse()
    total = len(rows)
    page = int_arg(call.args, "page") or 1
    size = int_arg(call.args, "page_size")
    if page < 1 or (size is not None and size < 1):
        raise ApiError(400, "invalid query parameter page or page_size: must be >= 1")
    if size is not None:
        rows = rows[(page - 1) * size : page * size]
    return {"list": rows, "total": total}


def export_audit_logs(iam: IamService, call: IamCall):
    fmt = call.args.get("format")
    if fmt not in ("json", "csv"):
        raise ApiError(400, "invalid query parameter format: must be json or csv")
    rows = _filtered(iam, call)
    disposition = {"content-disposition": f'attachment; filename="audit_logs.{fmt}"'}
    if fmt == "json":
        return Response(json.dumps(rows), media_type="application/json", headers=disposition)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return Response(out.getvalue(), media_type="text/csv", headers=disposition)


def list_event_types(iam: IamService, call: IamCall):
    names = event_types()
    return {"list": names, "total": len(names)}


ROUTES = [
    API("GET", "/audit_logs", list_audit_logs, "iam:GetAudit"),
    API("GET", "/audit_logs/export", export_audit_logs, "iam:ExportAudits"),
    API("GET", "/audit_logs/event_types", list_event_types, None),
]
