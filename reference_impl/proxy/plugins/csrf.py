"""csrf: a signed token cookie on every response; unsafe methods must echo it in a header.

The token is base64 of the JSON `{"random", "expires", "sign"}` where `sign` is the hex
SHA-256 of `{expires:<time>,random:<random>,key:<key>}`, numbers written as Lua writes them
(`%.14g`), so tokens of APISIX and of this gateway verify on either.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import random
import time
from typing import Any

from ..plugin_api import Ctx, Plugin, Response, ResponseHead

_SAFE_METHODS = frozenset(["GET", "HEAD", "OPTIONS"])


def _lua_number(value: float) -> str:
    return f"{value:.14g}"


def sign(random_value: float, expires: float, key: str) -> str:
    text = f"{{expires:{_lua_number(expires)},random:{_lua_number(random_value)},key:{key}}}"
    return hashlib.sha256(text.encode()).hexdigest()


def cookie_time(when: float) -> str:
    """ngx.cookie_time: `Thu, 18-Nov-10 11:27:35 GMT`."""
    return time.strftime("%a, %d-%b-%y %H:%M:%S GMT", time.gmtime(when))


def _refusal(message: str) -> Response:
    return Response(401, {"error_msg": message})


_NO_HEADER = _refusal("no csrf token in headers")
_NO_COOKIE = _refusal("no csrf cookie")
_MISMATCH = _refusal("csrf token mismatch")
_BAD_SIGNATURE = _refusal("Failed to verify the csrf token signature")


class Csrf(Plugin):
    name = "csrf"
    priority = 2980

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self._key: str = conf["key"]
        self._expires: int = conf.get("expires", 7200)
        self._name: str = conf.get("name", "apisix-csrf-token")
        self._header_var = "http_" + self._name.lower().replace("-", "_")
        self._cookie_var = "cookie_" + self._name

    def _verified(self, token: str) -> bool:
        try:
            fields = json.loads(base64.b64decode(token, validate=True))
        except (binascii.Error, ValueError):
            return False
        if not isinstance(fields, dict):
            return False
        random_value, expires = fields.get("random"), fields.get("expires")
        if not isinstance(random_value, int | float) or not isinstance(expires, int | float):
            return False
        if self._expires > 0 and time.time() - expires > self._expires:
            return False
        return fields.get("sign") == sign(random_value, expires, self._key)

    async def access(self, ctx: Ctx) -> Response | None:
        if ctx.request.method.upper() in _SAFE_METHODS:
            return None
        header_token = ctx.var(self._header_var)
        if not header_token:
            return _NO_HEADER
        cookie_token = ctx.var(self._cookie_var)
        if cookie_token is None:
            return _NO_COOKIE
        if header_token != cookie_token:
            return _MISMATCH
        return None if self._verified(cookie_token) else _BAD_SIGNATURE

    def header_filter(self, ctx: Ctx, head: ResponseHead) -> None:
        now = int(time.time())
        random_value = float(_lua_number(random.random()))
        token = {"random": random_value, "expires": now, "sign": sign(random_value, now, self._key)}
        encoded = base64.b64encode(json.dumps(token, separators=(",", ":")).encode()).decode()
        expires = cookie_time(now + self._expires)
        head.headers.append(
            ("Set-Cookie", f"{self._name}={encoded};path=/;SameSite=Lax;Expires={expires}")
        )
