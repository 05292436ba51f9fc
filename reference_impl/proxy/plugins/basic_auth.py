"""basic-auth: `Authorization: Basic base64(username:password)` against consumers."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from ..plugin_api import Ctx, Plugin, Response
from .auth_common import attach_consumer, reject_or_anonymous
from .request_edit import set_request_header

_BASIC = re.compile(r"(?i:basic)\s(.+)")
_SPACES = re.compile(r"\s+")


def parse_basic_authorization(value: str) -> tuple[str, str] | None:
    """(username, password) of a Basic authorization header, None if malformed."""
    match = _BASIC.search(value)
    if not match:
        return None
    try:
        decoded = base64.b64decode(match.group(1).strip(), validate=False).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    parts = decoded.split(":")
    if len(parts) < 2:
        return None
    return _SPACES.sub("", parts[0]), _SPACES.sub("", parts[1])


class BasicAuth(Plugin):
    name = "basic-auth"
    priority = 2520
    kind = "auth"

    def _find(self, ctx: Ctx) -> tuple[tuple[dict[str, Any], dict[str, Any]] | None, str]:
        """(consumer and its basic-auth conf, or None; the rejection message)."""
        authorization = ctx.var("http_authorization")
        if authorization is None:
            return None, "Missing authorization in request"
        credentials = parse_basic_authorization(authorization)
        if credentials is None:
            return None, "Invalid authorization in request"
        found = self.env.find_consumer(self.name, "username", credentials[0])
        if found is None or found[1].get("password") != credentials[1]:
            return None, "Invalid user authorization"
        return found, ""

    async def rewrite(self, ctx: Ctx) -> Response | None:
        found, message = self._find(ctx)
        if found is None:
            rejection = reject_or_anonymous(ctx, self.env, self.conf, message, ("Basic", "basic"))
            if rejection is not None:
                return rejection
        else:
            attach_consumer(ctx, *found)
        if self.conf.get("hide_credentials"):
            set_request_header(ctx, "Authorization", None)
        return None
