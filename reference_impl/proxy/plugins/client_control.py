"""client-control (APISIX 3.5): `max_body_size` is the request's client_max_body_size; a
Content-Length above it is refused at once with 413, and so is a body without one (chunked)
found larger as it is read, which stops there. 0 sets no limit, as nginx's."""

from __future__ import annotations

from typing import Any

from ..plugin_api import Ctx, Plugin, Response, request_body


class ClientControl(Plugin):
    name = "client-control"
    priority = 22000

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self._max: int = conf.get("max_body_size") or 0
        self.reads_body = self._max > 0  # the routes without a limit have no body to read

    async def rewrite(self, ctx: Ctx) -> Response | None:
        if not self._max:
            return None
        length = ctx.request.headers.get("content-length")
        if length is not None and length.strip().isdigit():
            return Response(413) if int(length) > self._max else None
        if len(await request_body(ctx, self._max)) > self._max:
            return Response(413)
        return None
