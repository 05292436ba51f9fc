"""request-id: a unique id in a request header (default X-Request-Id), echoed in the response."""

from __future__ import annotations

import secrets
import uuid

from ..plugin_api import Ctx, Plugin, Response, ResponseHead
from .request_edit import set_request_header

_NANOID_ALPHABET = "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_RANGE_CHARSET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIGKLMNOPQRSTUVWXYZ0123456789"


def nanoid(size: int = 21) -> str:
    return "".join(secrets.choice(_NANOID_ALPHABET) for _ in range(size))


class RequestId(Plugin):
    name = "request-id"
    priority = 12015

    def _new_id(self) -> str:
        algorithm = self.conf.get("algorithm", "uuid")
        if algorithm == "nanoid":
            return nanoid()
        if algorithm == "range_id":
            settings = self.conf.get("range_id") or {}
            charset = settings.get("char_set") or _RANGE_CHARSET
            length = int(settings.get("length") or 16)
            return "".join(secrets.choice(charset) for _ in range(length))
        return str(uuid.uuid4())

    async def rewrite(self, ctx: Ctx) -> Response | None:
        header = self.conf.get("header_name", "X-Request-Id")
        request_id = ctx.var("http_" + header)
        if request_id is None:
            request_id = self._new_id()
            set_request_header(ctx, header, request_id)
        ctx.state["request_id"] = request_id
        if self.conf.get("include_in_response", True):
            ctx.state["request-id-" + header] = request_id
        return None

    def header_filter(self, ctx: Ctx, head: ResponseHead) -> None:
        if not self.conf.get("include_in_response", True):
            return
        header = self.conf.get("header_name", "X-Request-Id")
        request_id = ctx.state.get("request-id-" + header)
        if request_id is not None and head.get(header) is None:
            head.set(header, request_id)
