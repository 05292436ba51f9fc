"""forward-auth: ask an authorization service about each request (access phase, APISIX 3.5).

The service sees the request's method, scheme, host, URI and client address as
X-Forwarded-* headers plus `request_headers`; a status below 300 lets the request through
with `upstream_headers` copied from the answer, anything else is answered to the client
(status, body and `client_headers`). An unreachable service is a 403, or a pass with
`allow_degradation`.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from ...schema.plugins.auth import FORWARD_AUTH_POST_REFUSAL
from ..plugin_api import Ctx, Plugin, Response
from .outbound_http import async_client
from .request_edit import set_request_header

log = logging.getLogger(__name__)


class ForwardAuth(Plugin):
    name = "forward-auth"
    priority = 2002

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        if conf.get("request_method", "GET") != "GET":
            raise ValueError(FORWARD_AUTH_POST_REFUSAL)
        self._uri: str = conf["uri"]
        self._request_headers: list[str] = conf.get("request_headers") or []
        self._upstream_headers: list[str] = conf.get("upstream_headers") or []
        self._client_headers: list[str] = conf.get("client_headers") or []
        self._timeout = conf.get("timeout", 3000) / 1000
        self._keepalive: bool = conf.get("keepalive", True)
        self._settings = (
            bool(conf.get("ssl_verify", True)),
            conf.get("keepalive_timeout", 60000) / 1000,
            int(conf.get("keepalive_pool", 5)),
        )

    def _auth_headers(self, ctx: Ctx) -> dict[str, str]:
        headers = {
            "X-Forwarded-Proto": ctx.request.scheme,
            "X-Forwarded-Method": ctx.request.method,
            "X-Forwarded-Host": ctx.var("host") or "",
            "X-Forwarded-Uri": ctx.var("request_uri") or "",
            "X-Forwarded-For": ctx.request.remote_addr,
        }
        for name in self._request_headers:
            value = ctx.request.headers.get(name.lower())
            if name not in headers and value is not None:
                headers[name] = value
        if not self._keepalive:
            headers["Connection"] = "close"
        return headers

    async def access(self, ctx: Ctx) -> Response | None:
        client = async_client(*self._settings)
        try:
            answer = await client.get(
                self._uri, headers=self._auth_headers(ctx), timeout=self._timeout
            )
        except httpx.HTTPError as exc:
            if self.conf.get("allow_degradation"):
                return None
            log.error("failed to process forward auth, err: %s", exc)
            return Response(403)
        if answer.status_code >= 300:
            headers = {
                name: value
                for name in self._client_headers
                if (value := answer.headers.get(name)) is not None
            }
            return Response(answer.status_code, answer.content, headers)
        for name in self._upstream_headers:
            value = answer.headers.get(name)
            if value is not None:
                set_request_header(ctx, name, value)
        return None
