"""key-auth: a consumer's key from a header (default `apikey`) or a query argument."""

from __future__ import annotations

from typing import Any

from ..plugin_api import Ctx, Plugin, Response
from .auth_common import attach_consumer, reject_or_anonymous
from .request_edit import remove_query_arg, set_request_header


class KeyAuth(Plugin):
    name = "key-auth"
    priority = 2500
    kind = "auth"

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self._header: str = conf.get("header", "apikey")
        self._query: str = conf.get("query", "apikey")
        self._header_name = self._header.lower()
        self._query_var = "arg_" + self._query
        self._hides = bool(conf.get("hide_credentials"))

    async def rewrite(self, ctx: Ctx) -> Response | None:
        header, query, hide = self._header, self._query, self._hides
        key = ctx.request.header(self._header_name)  # APISIX: core.request.header
        from_header = key is not None
        if key is None:
            key = ctx.var(self._query_var)
        found = self.env.find_consumer(self.name, "key", key) if key is not None else None
        if found is None:
            message = "Missing API key in request" if key is None else "Invalid API key in request"
            if hide:
                self._hide(ctx, header, query, header_too=True, query_too=True)
            return reject_or_anonymous(ctx, self.env, self.conf, message, ("apikey", "key"))
        if hide:
            self._hide(ctx, header, query, header_too=from_header, query_too=not from_header)
        attach_consumer(ctx, *found)
        return None

    @staticmethod
    def _hide(ctx: Ctx, header: str, query: str, header_too: bool, query_too: bool) -> None:
        if header_too and ctx.request.headers.get(header.lower()) is not None:
            set_request_header(ctx, header, None)
        if query_too:
            remove_query_arg(ctx, query)
