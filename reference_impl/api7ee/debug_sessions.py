"""The debugger: debug sessions of a gateway group
(`/api/gateway_groups/{gateway_group_id}/debug_sessions[/{debug_session_id}]`, `.../stop`,
`.../traces[/{trace_id}[/download]]`; paths inferred, fields from the 3.9.9 page).

A running session is a global rule `debug-session-<id>` in the group's APISIX namespace whose
`file-logger` (with the session's `sampling_rule` as its match rule) has the group's data
plane record each request it serves into the session's file; the traces are the first
`max_samples` requests recorded within `duration_secs`. Stopping the session, its time
running out (noticed whenever the group's sessions are read) or deleting it removes the rule;
deleting it also removes its file. A trace downloads as OTLP JSON (`resourceSpans`)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from typing import Any

from ..api.actions import Actions, row
from ..api.collection import Answer
from ..api.context import CollectionRequest, Context
from ..api.errors import ApiError
from ..api.listing import list_answer
from .context import API, Api, Call
from .group_collections import GROUP, GroupCollection, control_plane, control_store, group_routes
from .instances import of_group
from .schemas import DESC, ID, check

DEBUG_SESSIONS = "debug_sessions"
RULE_PREFIX = "debug-session-"
TRACE_DIR = os.path.join(tempfile.gettempdir(), "gwconform-debug-sessions")
SESSION = {
    "type": "object",
    "required": ["name", "target_instances"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "description": DESC,
        "target_instances": {"type": "array", "minItems": 1, "uniqueItems": True, "items": ID},
        "sampling_rule": {"type": ["array", "null"]},
        "max_samples": {"type": "integer", "minimum": 1, "maximum": 200, "default": 5},
        "duration_secs": {"type": "integer", "minimum": 10, "maximum": 600, "default": 60},
    },
    "additionalProperties": False,
}
READ_ONLY = ("status", "started_at", "expires_at")
G = (GROUP,)


def _rows(base: str, item: str) -> list[Any]:
    return [
        row("GET", base, "gateway:GetDebugSession", *G),
        row("POST", base, "gateway:CreateDebugSession", *G),
        row("GET", f"{base}/{item}", "gateway:GetDebugSession", *G),
        row("DELETE", f"{base}/{item}", "gateway:DeleteDebugSession", *G),
    ]


def trace_file(session_id: str) -> str:
    return os.path.join(TRACE_DIR, f"{session_id}.jsonl")


def _rule(session: dict[str, Any]) -> dict[str, Any]:
    logger: dict[str, Any] = {"path": trace_file(session["id"])}
    if session.get("sampling_rule"):
        logger["match"] = [session["sampling_rule"]]
    return {"id": RULE_PREFIX + session["id"], "plugins": {"file-logger": logger}}


class DebugSessions(GroupCollection):
    name, kind = DEBUG_SESSIONS, "debug session"
    path = "debug_sessions"
    item_pattern = "{debug_session_id}"
    unsupported = frozenset({"put", "patch"})
    actions = Actions(_rows)
    search_fields = ("name", "description", "id")

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        body = check(
            SESSION, {k: v for k, v in conf.items() if k not in READ_ONLY}, read_only_ok=True
        )
        api, group_id = control_plane(ctx), str(req.parent)
        api.group_or_404(group_id)
        known = {i["id"] for i in of_group(api, group_id)}
        unknown = [i for i in body["target_instances"] if i not in known]
        if unknown:
            raise ApiError(
                400,
                f"invalid target_instances: {unknown} are not instances of gateway group {group_id}",
            )
        now = ctx.clock()
        duration = body.setdefault("duration_secs", 60)
        body.setdefault("max_samples", 5)
        return {**body, "status": "running", "started_at": now, "expires_at": now + duration}

    def commit(
        self, ctx: Context, req: CollectionRequest, key: str, value: dict, rev: int | None
    ) -> None:
        os.makedirs(TRACE_DIR, exist_ok=True)
        super().commit(ctx, req, key, value, rev)
        control_store(ctx).apisix_put(
            str(req.parent), f"/global_rules/{RULE_PREFIX}{value['id']}", _rule(value)
        )

    def after_delete(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        control_store(ctx).apisix_delete(str(req.parent), f"/global_rules/{RULE_PREFIX}{id}")
        with contextlib.suppress(FileNotFoundError):
            os.remove(trace_file(id))

    def get(self, ctx: Context, req: CollectionRequest) -> Answer:
        _settle(control_plane(ctx), str(req.parent))
        return super().get(ctx, req)

    def missing(self, id: str, req: CollectionRequest) -> str:
        return f"debug session {id} not found on gateway group {req.parent}"


def _settle(api: Api, group_id: str) -> None:
    """Stop the group's sessions whose time ran out."""
    now = api.cp.clock()
    for session in api.cp.all(DEBUG_SESSIONS, group_id):
        if session["status"] == "running" and now >= session["expires_at"]:
            _stop(api, group_id, session, "finished")


def _stop(api: Api, group_id: str, session: dict[str, Any], status: str) -> dict[str, Any]:
    api.cp.apisix_delete(group_id, f"/global_rules/{RULE_PREFIX}{session['id']}")
    stopped = {**session, "status": status, "updated_at": api.cp.clock()}
    api.cp.put(DEBUG_SESSIONS, stopped, group_id, session["id"])
    return stopped


def _session(api: Api, call: Call) -> tuple[str, dict[str, Any]]:
    group_id = api.group_or_404(call.params["gateway_group_id"])["id"]
    _settle(api, group_id)
    session = api.cp.get(DEBUG_SESSIONS, group_id, call.params["debug_session_id"])
    if session is None:
        raise ApiError(
            404,
            f"debug session {call.params['debug_session_id']} not found on gateway group {group_id}",
        )
    return group_id, session


def stop_session(api: Api, call: Call) -> tuple[int, Any]:
    group_id, session = _session(api, call)
    if session["status"] == "running":
        session = _stop(api, group_id, session, "stopped")
    return 200, {"value": session}


def traces_of(session: dict[str, Any]) -> list[dict[str, Any]]:
    """The requests the session recorded in its time, at most `max_samples`."""
    try:
        with open(trace_file(session["id"]), encoding="utf-8") as file:
            lines = file.readlines()
    except FileNotFoundError:
        return []
    found = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line a worker was still writing
        at = entry.get("start_time", 0) / 1000.0
        if not session["started_at"] - 1 <= at <= session["expires_at"]:
            continue
        trace_id = hashlib.sha256(line.encode()).hexdigest()[:32]
        found.append({"id": trace_id, **entry})
        if len(found) == session["max_samples"]:
            break
    return found


def _summary(trace: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": trace["id"],
        "start_time": trace.get("start_time"),
        "method": trace["request"]["method"],
        "uri": trace["request"]["uri"],
        "status": trace["response"]["status"],
        "latency": trace.get("latency"),
        "route_id": trace.get("route_id"),
        "service_id": trace.get("service_id"),
    }


def list_traces(api: Api, call: Call) -> tuple[int, Any]:
    _, session = _session(api, call)
    rows = [_summary(t) for t in traces_of(session)]
    return 200, list_answer(
        rows,
        call.args,
        order_fields=("start_time",),
        default_order="start_time",
        search_fields=("uri", "method"),
    )


def _trace(api: Api, call: Call) -> dict[str, Any]:
    _, session = _session(api, call)
    trace = next((t for t in traces_of(session) if t["id"] == call.params["trace_id"]), None)
    if trace is None:
        raise ApiError(
            404, f"trace {call.params['trace_id']} not found in debug session {session['id']}"
        )
    return trace


def get_trace(api: Api, call: Call) -> tuple[int, Any]:
    return 200, {"value": _trace(api, call)}


def download_trace(api: Api, call: Call) -> tuple[int, Any]:
    trace = _trace(api, call)
    start = int(trace["start_time"]) * 1_000_000
    end = start + int(float(trace.get("latency") or 0) * 1_000_000)
    attributes = {
        "http.method": trace["request"]["method"],
        "http.url": trace["request"].get("url", trace["request"]["uri"]),
        "http.status_code": trace["response"]["status"],
        "apisix.route_id": trace.get("route_id"),
        "apisix.service_id": trace.get("service_id"),
    }
    span = {
        "traceId": trace["id"],
        "spanId": trace["id"][:16],
        "name": f"{trace['request']['method']} {trace['request']['uri']}",
        "kind": 2,
        "startTimeUnixNano": str(start),
        "endTimeUnixNano": str(end),
        "attributes": [
            {
                "key": k,
                "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": str(v)},
            }
            for k, v in attributes.items()
            if v is not None
        ],
    }
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "api7-gateway"}}]}
    spans = {"scope": {"name": "gwconform-debugger"}, "spans": [span]}
    return 200, {"resourceSpans": [{"resource": resource, "scopeSpans": [spans]}]}


SESSION_PATH = "/gateway_groups/{gateway_group_id}/debug_sessions/{debug_session_id}"
ROUTES = [
    *group_routes(DebugSessions(), "debug_session_id"),
    API(
        "PUT", f"{SESSION_PATH}/stop", stop_session, "gateway:StopDebugSession", "gateway_group_id"
    ),
    API(
        "GET", f"{SESSION_PATH}/traces", list_traces, "gateway:GetDebugSession", "gateway_group_id"
    ),
    API(
        "GET",
        f"{SESSION_PATH}/traces/{{trace_id}}",
        get_trace,
        "gateway:GetDebugSession",
        "gateway_group_id",
    ),
    API(
        "GET",
        f"{SESSION_PATH}/traces/{{trace_id}}/download",
        download_trace,
        "gateway:ExportDebugSession",
        "gateway_group_id",
    ),
]
