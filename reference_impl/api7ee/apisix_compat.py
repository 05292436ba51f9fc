"""The APISIX-compatible Admin API scoped to a gateway group: `/apisix/admin/...?
gateway_group_id=<id>`, or with a gateway group's admin key as `X-API-KEY` (the admin port
identifies the key's group, `Caller.group`).

Such a request is served by the generic APISIX Admin API machinery (`admin.create_app`)
over that group's key prefix, so every APISIX resource (services, routes, upstreams,
consumers and credentials, SSL, secrets, global rules, plugin metadata, ...) exists per
gateway group. Without a group, or for the default group, the gateway's own Admin API
answers. API7's own resources under `/apisix/admin` (certificates, CA certificates, SNIs,
secret providers, a service's upstreams) are served by the control plane's `compat` app
for every group, the default one included.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from ..admin.app import create_app
from ..caller import identified
from .context import Api
from .cpstore import DEFAULT_GROUP

GROUP_ARG = "gateway_group_id"


class GatewayGroupAdmin:
    """ASGI app in front of the gateway's Admin API (`default_app`)."""

    def __init__(self, default_app: ASGIApp, api: Api, api7_app: Any = None) -> None:
        """`api7_app`: a Starlette app with the API7-only endpoints (paths relative to
        `/apisix/admin`; the group arrives as the `gateway_group_id` query argument)."""
        self.default_app = default_app
        self.api = api
        self.api7_app = api7_app
        self._apps: dict[str, ASGIApp] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/apisix/admin"):
            await self.default_app(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        group_id = next((v for k, v in query if k == GROUP_ARG), None)
        owner = identified(scope).group
        if owner is not None:
            if group_id not in (None, owner):
                await _json(send, 403, "this admin key belongs to another gateway group")
                return
            group_id = owner
        rest = [(k, v) for k, v in query if k != GROUP_ARG]
        if self._is_api7_only(scope):
            group_id = DEFAULT_GROUP if group_id is None else group_id
            if self.api.cp.group(group_id) is None:
                await _json(send, 404, f"gateway group {group_id} not found")
                return
            relative = scope["path"][len("/apisix/admin") :]
            query_string = urlencode([*rest, (GROUP_ARG, group_id)]).encode("latin-1")
            scope = {**scope, "path": relative, "raw_path": relative.encode(), "root_path": ""}
            await self.api7_app({**scope, "query_string": query_string}, receive, send)
            return
        if not group_id:  # no gateway group named: the gateway's own (APISIX) Admin API
            await self.default_app(scope, receive, send)
            return
        if self.api.cp.group(group_id) is None:
            await _json(send, 404, f"gateway group {group_id} not found")
            return
        scope = {**scope, "query_string": urlencode(rest).encode("latin-1")}
        await self._app_for(group_id)(scope, receive, send)

    def _is_api7_only(self, scope: Scope) -> bool:
        if self.api7_app is None:
            return False
        relative = {**scope, "path": scope["path"][len("/apisix/admin") :], "root_path": ""}
        return any(route.matches(relative)[0] != Match.NONE for route in self.api7_app.routes)

    def _app_for(self, group_id: str) -> ASGIApp:
        prefix = self.api.cp.group_prefix(group_id)
        app = self._apps.get(prefix)
        if app is None:
            app = self._apps[prefix] = create_app(
                replace(self.api.config, etcd_prefix=prefix), self.api.cp.store, api7_admin=True
            )
        return app


async def _json(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error_msg": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
