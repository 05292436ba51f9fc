"""`IamMiddleware`: the enforcement table and the audit log, in front of the admin port's
`/api` and gateway-group-scoped `/apisix/admin` endpoints, for the caller the admin port
identified (`reference_impl.caller`, IAM part from `credentials`).

On `/apisix/admin`, a request without IAM credentials (no token, basic auth or session) is
passed through untouched, so the plain APISIX Admin API keeps its own key checks and
answers; gateway-group admin keys are left to the gateway-group Admin API as well.
A GET of a list whose table row names its items (`lists`) is allowed when some item could be
shown, and its answer keeps only the items the caller may get (`listing`, `list_answer`).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import strict_json
from ..caller import Caller, identified
from ..store import StoreError
from . import audit, builtins
from .endpoints.iam_portal import SIGN_IN
from .enforcement import EndpointTable, Match
from .engine import CompiledPolicy, is_allowed
from .labels import LabelContext
from .list_answer import answer_filtered, replay_body
from .listing import ItemFilter, ListScope, item_label_name
from .principal import AuthError, Principal
from .service import IamService

PRINCIPAL_KEY = "iam_principal"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
MAX_BUFFERED_BODY = 4 * 1024 * 1024
NOT_AUDITED = {("POST", "/api/permissions/check")}
DEFAULT_GROUP = "default"
DEFAULT_PORTAL = "default"


class IamMiddleware:
    """Wrap an ASGI app: `IamMiddleware(app, iam_app=create_iam_app(...))` guards `app` and
    sends the IAM endpoints to `iam_app`."""

    def __init__(self, app: ASGIApp, iam_app: Any) -> None:
        self.app = app
        self.iam_app = iam_app
        self.iam: IamService = iam_app.state.iam
        self.table = EndpointTable()
        self.iam_paths = _paths_of(iam_app)
        self.labels = LabelContext(self.iam.records.store, self.iam.config.etcd_prefix)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        target = self.iam_app if self._is_iam(scope) else self.app
        caller = identified(scope)
        if path.startswith("/apisix/admin") and not caller.has_iam_credentials:
            await target(scope, receive, send)
            return
        if not (path == "/api" or path.startswith("/api/") or path.startswith("/apisix/admin")):
            await target(scope, receive, send)
            return
        await self._guarded(scope, receive, send, target, caller)

    def _is_iam(self, scope: Scope) -> bool:
        return (scope["method"], scope["path"].rstrip("/")) in self.iam_paths or any(
            scope["method"] == method and _matches(template, scope["path"])
            for method, template in self.iam_paths
        )

    async def _guarded(
        self, scope: Scope, receive: Receive, send: Send, target: ASGIApp, caller: Caller
    ) -> None:
        method, path = scope["method"], scope["path"]
        body = b""
        if method in WRITE_METHODS:
            body, too_large = await _read_all(receive)
            if too_large:
                await _reply(send, 413, f"request body larger than {MAX_BUFFERED_BODY} bytes")
                return
        match = self.table.match(method, path, _query_names(scope))
        values = _request_values(scope, match, body)
        try:
            principal, item_filter = await run_in_threadpool(
                self._decide, method, path, caller, match, values
            )
        except AuthError as exc:
            await _reply(send, 401, f"unauthorized: {exc}")
            return
        except _Denied as denied:
            if method in WRITE_METHODS:
                await run_in_threadpool(
                    self._audit, denied.principal, scope, match, values, 403, b""
                )
            await _reply(send, 403, denied.message)
            return
        except StoreError as exc:
            await _reply(send, 503, f"config store unavailable: {exc}")
            return
        inner = dict(scope)
        inner["state"] = {**scope.get("state", {}), PRINCIPAL_KEY: principal}
        if item_filter is not None and match is not None:  # only a matched list has one
            if not await answer_filtered(target, inner, receive, send, item_filter.keeps):
                # a successful answer that is not a list cannot be shown item by item
                await _reply(send, 403, f"permission denied: {match.endpoint.action} per item")
            return
        status = {"code": 500}
        captured: list[bytes] = []

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            elif message["type"] == "http.response.body" and sum(map(len, captured)) < 65536:
                captured.append(message.get("body", b""))
            await send(message)

        audited = method in WRITE_METHODS and (method, path) not in NOT_AUDITED
        replayed = replay_body(body, receive) if method in WRITE_METHODS else receive
        await target(inner, replayed, send_wrapper if audited else send)
        if audited:
            await run_in_threadpool(
                self._audit, principal, scope, match, values, status["code"], b"".join(captured)
            )

    def _decide(
        self,
        method: str,
        path: str,
        caller: Caller,
        match: Match | None,
        values: dict[str, Any],
    ) -> tuple[Principal | None, ItemFilter | None]:
        """The caller, and for a list shown item by item the filter of its items."""
        self.iam.ensure_bootstrapped()  # when the store was down at start-up
        if _signs_in(method, path):
            return None, None
        if caller.iam is None:
            raise caller.iam_error or AuthError("authentication required")
        principal = caller.iam
        policies, boundaries = self.iam.policies_of(principal)
        if match is None:
            # an endpoint the table does not know: only whoever may do everything
            if not is_allowed(policies, boundaries, "*", "*"):
                raise _Denied(principal, f"permission denied: {method} {path} is not mapped")
            return principal, None
        action = match.endpoint.action
        if action is None:  # any authenticated caller, but the APISIX viewer key only reads
            viewer_key = principal.kind == "admin_key" and builtins.VIEWER in principal.roles
            if viewer_key and method not in ("GET", "HEAD"):
                raise _Denied(principal, "permission denied: the viewer key only reads")
            return principal, None
        resource = self.table.resource(match.endpoint, values)
        conditional = any(p.conditional for p in (*policies, *boundaries))
        context = self.labels.context(values) if conditional else {}
        if match.endpoint.lists and method == "GET":
            scoped = (policies, boundaries, match, values, context)
            return principal, self._item_filter(principal, *scoped)
        if not is_allowed(policies, boundaries, action, resource, context):
            raise _Denied(principal, f"permission denied: {action} on {resource}")
        return principal, None

    def _item_filter(
        self,
        principal: Principal,
        policies: list[CompiledPolicy],
        boundaries: list[CompiledPolicy],
        match: Match,
        values: dict[str, Any],
        context: dict[str, Any],
    ) -> ItemFilter | None:
        """403 unless some item of the list could be shown; None when every item is."""
        row = match.endpoint
        action = row.action or ""
        label = item_label_name(row.resource or self.table.resources[action])
        # the labels of the objects around the items; an item's own come with the item
        around = {name: labels for name, labels in context.items() if name != label}
        listing = self.table.resource(row, values)
        scope = ListScope(action, listing, around, label)
        if not scope.allows_some(policies, boundaries):
            raise _Denied(principal, f"permission denied: {action} on {listing}")
        if scope.allows_every(policies, boundaries):
            return None
        return ItemFilter(
            policies,
            boundaries,
            scope,
            row.lists or "id",
            lambda key: self.table.resource(row, values, key),
        )

    def _audit(
        self,
        principal: Principal | None,
        scope: Scope,
        match: Match | None,
        values: dict[str, Any],
        status: int,
        response_body: bytes,
    ) -> None:
        method, path = scope["method"], scope["path"]
        endpoint = match.endpoint if match else None
        if principal is None and _signs_in(method, path) and status == 200:
            principal = _login_principal(self.iam, response_body)
        resource_id = _resource_id(match, response_body)
        # the write itself has answered; an unavailable store cannot log it
        with contextlib.suppress(StoreError):
            audit.record(
                self.iam,
                {
                    "event_type": audit.event_type(
                        method, path, endpoint.action if endpoint else None
                    ),
                    "operator_id": principal.id if principal else "",
                    "operator_name": principal.username if principal else "",
                    "resource_id": resource_id,
                    "resource": self.table.resource(endpoint, values)
                    if endpoint and endpoint.action
                    else "",
                    "gateway_group_id": str(values.get("gateway_group_id") or ""),
                    "action": endpoint.action if endpoint and endpoint.action else "",
                    "method": method,
                    "path": path,
                    "status_code": status,
                    "result": "success" if status < 400 else "failure",
                    "source_ip": (scope.get("client") or ("", 0))[0],
                },
            )


class _Denied(Exception):
    def __init__(self, principal: Principal, message: str) -> None:
        super().__init__(message)
        self.principal = principal
        self.message = message


def _paths_of(app: Any) -> set[tuple[str, str]]:
    if app is None:
        return set()
    return {
        (method, route.path)
        for route in app.routes
        for method in (getattr(route, "methods", None) or ())
        if method != "HEAD"
    }


def _signs_in(method: str, path: str) -> bool:
    return any(method == m and _matches(template, path) for m, template in SIGN_IN)


def _matches(template: str, path: str) -> bool:
    parts, wanted = template.split("/"), path.rstrip("/").split("/")
    return len(parts) == len(wanted) and all(
        p == w or (p.startswith("{") and w) for p, w in zip(parts, wanted, strict=True)
    )


def _query_names(scope: Scope) -> frozenset[str]:
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    return frozenset(k for k, v in query if v)


def _request_values(scope: Scope, match: Match | None, body: bytes) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if body:
        try:
            parsed = strict_json.loads(body)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, dict):
            values.update({k: v for k, v in parsed.items() if isinstance(v, str | int)})
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    values.update({k: v for k, v in query if v})
    if match is not None:
        values.update(match.params)
    if scope["path"].startswith("/apisix/admin"):
        values.setdefault("gateway_group_id", DEFAULT_GROUP)
    if match is not None and "portal_id" in match.endpoint.args:
        values.setdefault("portal_id", DEFAULT_PORTAL)  # the seed's default portal
    return values


def _resource_id(match: Match | None, response_body: bytes) -> str:
    try:
        value = json.loads(response_body).get("value")
    except (ValueError, AttributeError, RecursionError):
        value = None
    if isinstance(value, dict) and isinstance(value.get("id"), str | int):
        return str(value["id"])
    if match is not None and match.params:
        return str(list(match.params.values())[-1])
    return ""


def _login_principal(iam: IamService, response_body: bytes) -> Principal | None:
    try:
        user = json.loads(response_body)["value"]
        return iam.user_principal(user)
    except (ValueError, KeyError, TypeError):
        return None


async def _read_all(receive: Receive) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BUFFERED_BODY:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks), False


async def _reply(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error_msg": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
