"""Serve one ASGI app under a path prefix beside another on the same port.

A plain prefix test rather than Starlette's `Mount`, whose pattern (`.*`) does not match a
path with a decoded newline: such requests must still reach the app the prefix names and
get its answer, not a generic 404."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class PrefixDispatcher:
    """`prefix` and below to `app` (with the prefix added to `root_path`, as Mount does),
    every other request to `fallback`."""

    def __init__(self, app: ASGIApp, fallback: ASGIApp, prefix: str) -> None:
        self.app, self.fallback, self.prefix = app, fallback, prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and (path == self.prefix or path.startswith(self.prefix + "/")):
            scope = {**scope, "root_path": scope.get("root_path", "") + self.prefix}
            await self.app(scope, receive, send)
        else:
            await self.fallback(scope, receive, send)
