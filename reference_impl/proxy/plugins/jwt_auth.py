"""jwt-auth: a signed JWT (HS256/HS512/RS256/ES256) whose `key` claim names a consumer."""

from __future__ import annotations

import base64
import binascii
import re
import time
from typing import TYPE_CHECKING, Any

import jwt

if TYPE_CHECKING:
    from jwt.types import Options

from ..plugin_api import Ctx, Plugin, Response
from .auth_common import attach_consumer, reject_or_anonymous
from .request_edit import remove_query_arg, set_request_header

_COOKIE_PAIR = re.compile(r"([a-zA-Z0-9\-_]*)=([a-zA-Z0-9\-._]*)")
_VERIFY_NOTHING: Options = {
    "verify_signature": True,
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
}


class _AuthFailure(Exception):
    pass


def _without_cookie(header: str, name: str) -> str:
    return "; ".join(m.group(0) for m in _COOKIE_PAIR.finditer(header) if m.group(1) != name)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class JwtAuth(Plugin):
    name = "jwt-auth"
    priority = 2510
    kind = "auth"

    async def rewrite(self, ctx: Ctx) -> Response | None:
        try:
            consumer, auth_conf, payload = self._authenticate(ctx)
        except _AuthFailure as failure:
            return reject_or_anonymous(ctx, self.env, self.conf, str(failure), ("Bearer", "jwt"))
        if self.conf.get("store_in_ctx"):
            ctx.state["jwt_auth_payload"] = payload
        attach_consumer(ctx, consumer, auth_conf)
        return None

    def _token(self, ctx: Ctx) -> str | None:
        hide = bool(self.conf.get("hide_credentials"))
        header = self.conf.get("header", "authorization")
        token = ctx.var("http_" + header)
        if token is not None:
            if hide:
                set_request_header(ctx, header, None)
            return token[7:] if token[:7] in ("Bearer ", "bearer ") else token
        query = self.conf.get("query", "jwt")
        token = ctx.var("arg_" + query)
        if token is not None:
            if hide:
                remove_query_arg(ctx, query)
            return token
        cookie = self.conf.get("cookie", "jwt")
        token = ctx.var("cookie_" + cookie)
        if token is not None and hide:
            set_request_header(ctx, "Cookie", _without_cookie(ctx.var("http_cookie") or "", cookie))
        return token

    def _authenticate(self, ctx: Ctx) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        token = self._token(ctx)
        if token is None:
            raise _AuthFailure("Missing JWT token in request")
        try:
            header = jwt.get_unverified_header(token)
            payload = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise _AuthFailure("JWT token invalid") from exc
        user_key = payload.get(self.conf.get("key_claim_name", "key"))
        if not isinstance(user_key, str) or not user_key:
            raise _AuthFailure("missing user key in JWT token")
        found = self.env.find_consumer(self.name, "key", user_key)
        if found is None:
            raise _AuthFailure("Invalid user key in JWT token")
        consumer, auth_conf = found
        algorithm = auth_conf.get("algorithm") or "HS256"
        if header.get("alg") != algorithm:
            raise _AuthFailure("failed to verify jwt")
        try:
            jwt.decode(
                token, self._verification_key(auth_conf, algorithm), [algorithm], _VERIFY_NOTHING
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise _AuthFailure("failed to verify jwt") from exc
        self._check_claims(payload, int(auth_conf.get("lifetime_grace_period") or 0))
        return consumer, auth_conf, payload

    @staticmethod
    def _verification_key(auth_conf: dict[str, Any], algorithm: str) -> str | bytes:
        if algorithm in ("RS256", "ES256"):
            return str(auth_conf.get("public_key") or "")
        secret = str(auth_conf.get("secret") or "")
        if auth_conf.get("base64_secret"):
            try:
                return base64.b64decode(secret)
            except binascii.Error as exc:
                raise ValueError("secret is not base64") from exc
        return secret

    def _check_claims(self, payload: dict[str, Any], leeway: int) -> None:
        """exp/nbf checked when present; claims listed in `claims_to_verify` are required."""
        required = self.conf.get("claims_to_verify") or []
        now = time.time()
        for claim in required or ["exp", "nbf"]:
            value = payload.get(claim)
            if value is None:
                if required:
                    raise _AuthFailure("failed to verify jwt")
                continue
            if not _is_number(value):
                raise _AuthFailure("failed to verify jwt")
            if claim == "exp" and not value > now - leeway:
                raise _AuthFailure("failed to verify jwt")
            if claim == "nbf" and not value < now + leeway:
                raise _AuthFailure("failed to verify jwt")
