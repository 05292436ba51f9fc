"""hmac-auth (APISIX 3.5): a request signed with the consumer's `secret_key`.

The signing string is method, URI, the canonical query string (arguments sorted by name,
URI-escaped unless the consumer's `encode_uri_params` is false), access key, Date and the
`name:value` of each signed header, every item followed by a newline. The parameters come
from the X-HMAC-* headers, or else from `Authorization: hmac-auth-v1#key#sig#alg#date#headers`.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_tz
from typing import Any
from urllib.parse import parse_qsl, quote

from ...schema.plugins.auth import HMAC_BODY_REFUSAL
from ..plugin_api import Ctx, Plugin, Response
from .auth_common import attach_consumer
from .request_edit import set_request_header

log = logging.getLogger(__name__)

DIGESTS = {"hmac-sha1": hashlib.sha1, "hmac-sha256": hashlib.sha256, "hmac-sha512": hashlib.sha512}
ACCESS_KEY = "X-HMAC-ACCESS-KEY"
SIGNATURE_KEY = "X-HMAC-SIGNATURE"
ALGORITHM_KEY = "X-HMAC-ALGORITHM"
SIGNED_HEADERS_KEY = "X-HMAC-SIGNED-HEADERS"
_REJECTION = {"message": "client request can't be validated"}


class _Invalid(Exception):
    pass


@dataclass
class _Params:
    access_key: str | None
    signature: str | None
    algorithm: str | None
    date: str
    signed_headers: list[str] | None


def _http_time(value: str) -> int | None:
    parsed = parsedate_tz(value)
    if parsed is None:
        return None
    return calendar.timegm(parsed[:9]) - (parsed[9] or 0)


def canonical_query(query: str, escape: bool) -> str:
    """Arguments sorted by name (the values of a repeated one sorted too), `name=value`
    joined with '&'; a bare name has an empty value."""
    values: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        values.setdefault(name, []).append(value)
    encode: Callable[[str], str] = (lambda s: quote(s, safe="-._~")) if escape else str
    return "&".join(
        f"{encode(name)}={encode(value)}"
        for name in sorted(values)
        for value in sorted(values[name])
    )


def signing_string(ctx: Ctx, params: _Params, escape: bool) -> str:
    items = [
        ctx.request.method,
        ctx.var("uri") or "/",
        canonical_query(ctx.request.query, escape),
        params.access_key or "",
        params.date,
    ]
    for name in params.signed_headers or ():
        items.append(f"{name}:{ctx.request.headers.get(name.lower(), '')}")
    return "\n".join(items) + "\n"


def sign(algorithm: str, secret_key: str, message: str) -> bytes:
    return hmac.new(secret_key.encode(), message.encode(), DIGESTS[algorithm]).digest()


class HmacAuth(Plugin):
    name = "hmac-auth"
    priority = 2530
    kind = "auth"

    async def rewrite(self, ctx: Ctx) -> Response | None:
        params = self._params(ctx)
        found = self._consumer(params.access_key)
        if not (found is not None and found[1].get("keep_headers")):
            for name in (SIGNATURE_KEY, ALGORITHM_KEY, SIGNED_HEADERS_KEY):
                if ctx.request.headers.get(name.lower()) is not None:
                    set_request_header(ctx, name, None)
        try:
            self._validate(ctx, params, found)
        except _Invalid as failure:
            log.warning("client request can't be validated: %s", failure)
            return Response(401, dict(_REJECTION))
        assert found is not None
        attach_consumer(ctx, *found)
        return None

    def _consumer(self, access_key: str | None) -> tuple[dict[str, Any], dict[str, Any]] | None:
        return self.env.find_consumer(self.name, "access_key", access_key) if access_key else None

    @staticmethod
    def _params(ctx: Ctx) -> _Params:
        headers = ctx.request.headers
        access_key = headers.get(ACCESS_KEY.lower())
        signature = headers.get(SIGNATURE_KEY.lower())
        algorithm = headers.get(ALGORITHM_KEY.lower())
        date = headers.get("date")
        signed = headers.get(SIGNED_HEADERS_KEY.lower())
        if access_key is None:
            parts = (headers.get("authorization") or "").split("#")
            if len(parts) == 6 and parts[0] == "hmac-auth-v1":
                access_key, signature, algorithm, date, signed = parts[1:]
        return _Params(
            access_key, signature, algorithm, date or "", signed.split(";") if signed else None
        )

    @staticmethod
    def _validate(
        ctx: Ctx, params: _Params, found: tuple[dict[str, Any], dict[str, Any]] | None
    ) -> None:
        if not params.access_key or not params.signature:
            raise _Invalid("access key or signature missing")
        if not params.algorithm:
            raise _Invalid("algorithm missing")
        if found is None:
            raise _Invalid("Invalid access key")
        conf = found[1]
        if conf.get("algorithm", "hmac-sha256") != params.algorithm:
            raise _Invalid(f"algorithm {params.algorithm} not supported")
        clock_skew = conf.get("clock_skew", 0)
        if clock_skew > 0:
            sent = _http_time(params.date)
            if sent is None:
                raise _Invalid("Invalid GMT format time")
            if abs(time.time() - sent) > clock_skew:
                raise _Invalid("Clock skew exceeded")
        allowed = conf.get("signed_headers")
        if allowed:
            for name in params.signed_headers or ():
                if name not in allowed:
                    raise _Invalid(f"Invalid signed header {name}")
        try:
            sent_signature = base64.b64decode(params.signature, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _Invalid("Invalid signature") from exc
        message = signing_string(ctx, params, conf.get("encode_uri_params", True))
        expected = sign(params.algorithm, str(conf.get("secret_key", "")), message)
        if not hmac.compare_digest(sent_signature, expected):
            raise _Invalid("Invalid signature")
        if conf.get("validate_request_body"):
            raise _Invalid(HMAC_BODY_REFUSAL)
