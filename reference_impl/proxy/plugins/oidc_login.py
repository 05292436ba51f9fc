"""openid-connect with `bearer_only: false`: lua-resty-openidc's `authenticate` as APISIX 3.5
calls it (apisix/plugins/openid-connect.lua).

- A request to `redirect_uri`'s path (the request's own URI when none is set) is the
  provider's answer: with the session's `state` and a `code`, the code is redeemed at the
  token endpoint (client_secret_basic, or client_secret_post when the provider lists it
  first), the ID token verified (JWKS signature, `iss`, `aud`, `exp`, `nonce`), the user read
  from the userinfo endpoint, and the client sent back to the URL it first asked for. Anything
  else there is APISIX's 500.
- A request to `logout_path` ends the session and goes to the provider's
  end_session_endpoint (with the ID token and `post_logout_redirect_uri`).
- A request with an authenticated session whose access token has not expired passes, its
  upstream request given X-Access-Token, X-ID-Token and X-Userinfo (and X-Refresh-Token).
- Any other request is redirected to the provider's authorization endpoint (a new session
  holds its state, nonce and original URL), or with `unauth_action` deny answered 401, with
  pass let through.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from ..plugin_api import Ctx, Response
from .oidc_common import Invalid, json_base64
from .oidc_session import COOKIE, ended_session_cookie, open_session, session_cookie
from .request_edit import set_request_header

log = logging.getLogger(__name__)

# the client authentication methods lua-resty-openidc can use at the token endpoint that this
# gateway has (the JWT-signed ones it has not)
_TOKEN_AUTH = ("client_secret_basic", "client_secret_post")
_PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


class _Failed(Exception):
    """The flow cannot go on: APISIX logs it and answers 500."""


def _path(uri: str) -> str:
    without_query = uri.split("?", 1)[0]
    if "//" in without_query:
        return urlsplit(without_query).path or "/"
    return without_query


class Provider(Protocol):
    """What the flow asks of the openid-connect plugin: its conf, and its calls to the
    provider (discovery cached; `Invalid` raised for a failure)."""

    conf: dict[str, Any]

    async def call(self, method: str, url: str, **request: Any) -> dict[str, Any]: ...
    async def discovery_document(self) -> dict[str, Any]: ...
    async def discovered(self, field: str) -> str: ...
    async def verify_jwt(self, token: str) -> dict[str, Any]: ...
    def pass_on(self, ctx: Ctx, token: str | None, userinfo: dict[str, Any] | None) -> None: ...


class CodeFlow:
    def __init__(self, plugin: Provider) -> None:
        self.plugin = plugin
        self.conf = plugin.conf
        # the schema check gives a conf without bearer_only its session secret
        self.secret: str = (plugin.conf.get("session") or {}).get("secret", "")

    async def authenticate(self, ctx: Ctx) -> Response | None:
        try:
            return await self._authenticate(ctx)
        except (_Failed, Invalid) as failure:
            log.error("OIDC authentication failed: %s", failure)
            return Response(500)

    async def _authenticate(self, ctx: Ctx) -> Response | None:
        request_uri = ctx.var("request_uri") or "/"
        redirect_uri = self.conf.get("redirect_uri") or request_uri
        session = open_session(self.secret, ctx.var("cookie_" + COOKIE))
        path = _path(request_uri)
        if path == _path(redirect_uri):
            if session is None:
                raise _Failed("request to the redirect_uri path but there's no session state found")
            return await self._authorization_response(ctx, session, redirect_uri)
        if path == _path(self.conf.get("logout_path", "/logout")):
            return await self._logout(ctx, session)
        if (
            session is not None
            and session.get("authenticated")
            and session.get("access_token_expiration", 0) > time.time()
        ):
            self._pass_on(ctx, session)
            return None
        action = self.conf.get("unauth_action", "auth")
        if action == "pass":
            return None
        if action == "deny":
            return Response(401)
        return await self._authorize(ctx, request_uri, redirect_uri)

    def _absolute(self, ctx: Ctx, uri: str) -> str:
        """A redirect_uri without scheme and host gets the request's (openidc_get_redirect_uri)."""
        if "//" in uri.split("?", 1)[0]:
            return uri
        host = ctx.var("http_host") or ctx.var("host") or ""
        return f"{ctx.var('scheme')}://{host}{uri}"

    async def _authorize(self, ctx: Ctx, request_uri: str, redirect_uri: str) -> Response:
        endpoint = await self.plugin.discovered("authorization_endpoint")
        state, nonce = secrets.token_hex(16), secrets.token_hex(16)
        params = {
            "client_id": self.conf["client_id"],
            "response_type": "code",
            "scope": self.conf.get("scope", "openid"),
            "redirect_uri": self._absolute(ctx, redirect_uri),
            "state": state,
            "nonce": nonce,
        }
        session: dict[str, Any] = {"original_url": request_uri, "state": state, "nonce": nonce}
        if self.conf.get("use_pkce"):
            verifier = secrets.token_urlsafe(48)
            digest = hashlib.sha256(verifier.encode()).digest()
            params["code_challenge"] = base64.urlsafe_b64encode(digest).decode().rstrip("=")
            params["code_challenge_method"] = "S256"
            session["code_verifier"] = verifier
        separator = "&" if "?" in endpoint else "?"
        headers = {
            "Location": endpoint + separator + urlencode(params, quote_via=quote),
            "Set-Cookie": session_cookie(self.secret, session, ctx.var("scheme") == "https"),
        }
        return Response(302, None, headers)

    async def _authorization_response(
        self, ctx: Ctx, session: dict[str, Any], redirect_uri: str
    ) -> Response:
        args = dict(parse_qsl(ctx.request.query, keep_blank_values=True))
        if args.get("error"):
            described = f": {args['error_description']}" if args.get("error_description") else ""
            raise _Failed(f"authorization response contained error: {args['error']}{described}")
        if not args.get("code") or not args.get("state"):
            raise _Failed(f"unhandled request to the redirect_uri: {ctx.var('request_uri')}")
        if args["state"] != session.get("state"):
            raise _Failed(
                f"state from argument: {args['state']} does not match state restored "
                f"from session: {session.get('state')}"
            )
        tokens = await self._redeem(ctx, args["code"], redirect_uri, session)
        id_token = tokens.get("id_token")
        access_token = tokens.get("access_token")
        if not isinstance(id_token, str) or not isinstance(access_token, str):
            raise _Failed("the token endpoint's answer has no id_token or access_token")
        claims = await self._verified_id_token(id_token, session)
        user = await self._userinfo(access_token)
        expires_in = tokens.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else 3600.0
        authenticated = {
            "authenticated": True,
            "id_token": claims,
            "enc_id_token": id_token,
            "access_token": access_token,
            "access_token_expiration": time.time() + lifetime,
            "refresh_token": tokens.get("refresh_token"),
            "user": user,
        }
        headers = {
            "Location": session.get("original_url") or "/",
            "Set-Cookie": session_cookie(self.secret, authenticated, ctx.var("scheme") == "https"),
        }
        return Response(302, None, headers)

    async def _redeem(
        self, ctx: Ctx, code: str, redirect_uri: str, session: dict[str, Any]
    ) -> dict[str, Any]:
        endpoint = await self.plugin.discovered("token_endpoint")
        document = await self.plugin.discovery_document()
        offered = document.get("token_endpoint_auth_methods_supported") or []
        method = next((m for m in offered if m in _TOKEN_AUTH), "client_secret_basic")
        body = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self._absolute(ctx, redirect_uri),
            "state": session["state"],
        }
        if "code_verifier" in session:
            body["code_verifier"] = session["code_verifier"]
        headers: dict[str, str] = {}
        client_id, client_secret = self.conf["client_id"], self.conf["client_secret"]
        if method == "client_secret_post":
            body.update(client_id=client_id, client_secret=client_secret)
        else:
            pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        return await self.plugin.call("POST", endpoint, data=body, headers=headers)

    async def _verified_id_token(self, id_token: str, session: dict[str, Any]) -> dict[str, Any]:
        claims = await self.plugin.verify_jwt(id_token)
        issuer = (await self.plugin.discovery_document()).get("issuer")
        if claims.get("iss") != issuer:
            raise _Failed(f'issuer "{claims.get("iss")}" does not match the expected "{issuer}"')
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.conf["client_id"] not in audiences:
            raise _Failed("client_id does not match the audience of the id_token")
        if claims.get("nonce") != session.get("nonce"):
            raise _Failed("nonce in id_token does not match the one in the session")
        if not isinstance(claims.get("exp"), int | float):
            raise _Failed("the id_token has no exp")
        return claims

    async def _userinfo(self, access_token: str) -> dict[str, Any] | None:
        endpoint = (await self.plugin.discovery_document()).get("userinfo_endpoint")
        if not isinstance(endpoint, str) or not endpoint:
            return None
        headers = {"Authorization": "Bearer " + access_token}
        return await self.plugin.call("GET", endpoint, headers=headers)

    async def _logout(self, ctx: Ctx, session: dict[str, Any] | None) -> Response:
        cookie = {"Set-Cookie": ended_session_cookie()}
        if "image/png" in (ctx.var("http_accept") or ""):
            pixel_headers = {
                **cookie,
                "Content-Type": "image/png",
                "Cache-Control": "no-cache, no-store",
                "Pragma": "no-cache",
                "Expires": "0",
                "X-Frame-Options": "DENY",
            }
            return Response(200, _PIXEL, pixel_headers)
        end_session = (await self.plugin.discovery_document()).get("end_session_endpoint")
        if isinstance(end_session, str) and end_session:
            params = {}
            if session is not None and session.get("enc_id_token"):
                params["id_token_hint"] = session["enc_id_token"]
            if self.conf.get("post_logout_redirect_uri"):
                params["post_logout_redirect_uri"] = self.conf["post_logout_redirect_uri"]
            separator = "&" if "?" in end_session else "?"
            location = end_session + (separator + urlencode(params) if params else "")
            return Response(302, None, {**cookie, "Location": location})
        html = {**cookie, "Content-Type": "text/html"}
        return Response(200, "<html><body>Logged Out</body></html>\n", html)

    def _pass_on(self, ctx: Ctx, session: dict[str, Any]) -> None:
        self.plugin.pass_on(ctx, session.get("access_token"), session.get("user"))
        if session.get("id_token") is not None and self.conf.get("set_id_token_header", True):
            set_request_header(ctx, "X-ID-Token", json_base64(session["id_token"]))
        if session.get("refresh_token") and self.conf.get("set_refresh_token_header"):
            set_request_header(ctx, "X-Refresh-Token", session["refresh_token"])
