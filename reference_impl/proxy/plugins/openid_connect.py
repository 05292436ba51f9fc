"""openid-connect (APISIX 3.5). Bearer tokens (`bearer_only`, or a token sent where
`introspection_endpoint` or `public_key` is set): a token from `Authorization: Bearer` or
`X-Access-Token` is verified as a JWT (`public_key`, or the provider's JWKS with `use_jwks`)
or else by the provider's introspection endpoint; then the upstream gets it in
X-Access-Token (or Authorization) and the claims in X-Userinfo.

Otherwise the authorization code flow of lua-resty-openidc (`oidc_login.py`): a request
without a session is redirected to the provider (or refused: `unauth_action`), the
provider's answer at `redirect_uri` is redeemed for tokens that go into the session cookie,
and requests with the session pass with X-Access-Token, X-ID-Token and X-Userinfo.

The discovery document and the JWKS are cached for a day, an active introspection result
until its `exp`, as lua-resty-openidc does; every call to the provider is asynchronous and
bounded by `timeout`.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import httpx
import jwt
from jwt.types import Options

from ...schema.plugins.auth import openid_connect_refusal
from ..plugin_api import Ctx, Plugin, Response
from .oidc_common import Invalid, json_base64
from .oidc_login import CodeFlow
from .outbound_http import async_client
from .request_edit import set_request_header

log = logging.getLogger(__name__)

DISCOVERY_TTL = 24 * 3600.0  # lua-resty-openidc's discovery_expires_in and jwk_expires_in
INTROSPECTION_CACHE_SIZE = 10000
IAT_SLACK = 120  # seconds an `iat` may lie in the future (lua-resty-openidc's iat_slack)
_ASYMMETRIC = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512")
# url -> (expires at, document); (endpoint, token) -> (expires at, introspection answer)
_DOCUMENTS: dict[str, tuple[float, dict[str, Any]]] = {}
_INTROSPECTIONS: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}


@lru_cache(maxsize=64)
def _public_key(jwk: str) -> Any:
    """The key of a JWK (as JSON), parsed once rather than on every request."""
    try:
        return jwt.PyJWK(json.loads(jwk)).key
    except jwt.PyJWTError as exc:
        raise Invalid(f"unusable key in the JWKS: {exc}") from exc


def bearer_token(ctx: Ctx) -> tuple[str | None, bool]:
    """(the access token or None, whether the Authorization header is malformed)."""
    authorization = ctx.request.headers.get("authorization")
    if authorization is None:
        return ctx.request.headers.get("x-access-token"), False
    parts = authorization.split(" ", 1)
    if len(parts) < 2:
        return None, True
    return (parts[1], False) if parts[0].lower() == "bearer" else (None, False)


class OpenidConnect(Plugin):
    name = "openid-connect"
    priority = 2599

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        refusal = openid_connect_refusal(conf)
        if refusal is not None:
            raise ValueError(refusal)
        self._realm: str = conf.get("realm", "apisix")
        timeout = conf.get("timeout", 3)
        # APISIX once stored milliseconds: a whole number of thousands is taken as such.
        self._timeout = timeout / 1000 if timeout >= 1000 and timeout % 1000 == 0 else timeout
        self._verify = bool(conf.get("ssl_verify", False))
        self._login = CodeFlow(self)

    async def rewrite(self, ctx: Ctx) -> Response | None:
        if self.conf.get("bearer_only") or self.conf.get("introspection_endpoint"):
            return await self._bearer(ctx)
        if self.conf.get("public_key"):
            return await self._bearer(ctx)
        return await self._login.authenticate(ctx)

    async def _bearer(self, ctx: Ctx) -> Response | None:
        token, malformed = bearer_token(ctx)
        if malformed:
            log.error("OIDC introspection failed: Invalid Authorization header format.")
            return Response(400)
        if token is None:
            if not self.conf.get("bearer_only"):  # the session may let it in
                return await self._login.authenticate(ctx)
            return Response(401, None, {"WWW-Authenticate": f'Bearer realm="{self._realm}"'})
        try:
            if self.conf.get("public_key") or self.conf.get("use_jwks"):
                userinfo = await self.verify_jwt(token)
            else:
                userinfo = await self._introspect(token)
        except Invalid as failure:
            log.error("OIDC introspection failed: %s", failure)
            challenge = (
                f'Bearer realm="{self._realm}", error="invalid_token", '
                f'error_description="{failure}"'
            )
            return Response(401, None, {"WWW-Authenticate": challenge})
        self.pass_on(ctx, token, userinfo)
        return None

    def pass_on(self, ctx: Ctx, token: str | None, userinfo: dict[str, Any] | None) -> None:
        if token and self.conf.get("set_access_token_header", True):
            if self.conf.get("access_token_in_authorization_header"):
                if ctx.request.headers.get("authorization") is None:
                    set_request_header(ctx, "Authorization", "Bearer " + token)
            elif ctx.request.headers.get("x-access-token") is None:
                set_request_header(ctx, "X-Access-Token", token)
        if userinfo is not None and self.conf.get("set_userinfo_header", True):
            set_request_header(ctx, "X-Userinfo", json_base64(userinfo))

    async def call(self, method: str, url: str, **request: Any) -> dict[str, Any]:
        """The provider's JSON object answer to a request, within `timeout`."""
        client = async_client(self._verify)
        try:
            answer = await client.request(method, url, timeout=self._timeout, **request)
        except httpx.HTTPError as exc:
            raise Invalid(f"accessing {url} failed: {exc}") from exc
        if answer.status_code != 200:
            raise Invalid(f"response indicates failure, status={answer.status_code}")
        try:
            document = answer.json()
        except ValueError as exc:
            raise Invalid(f"JSON decoding failed: {exc}") from exc
        if not isinstance(document, dict):
            raise Invalid("JSON decoding failed: not an object")
        return document

    async def _get_json(self, url: str, fresh: bool = False) -> dict[str, Any]:
        cached = _DOCUMENTS.get(url)
        if cached is not None and cached[0] > time.monotonic() and not fresh:
            return cached[1]
        document = await self.call("GET", url)
        _DOCUMENTS[url] = (time.monotonic() + DISCOVERY_TTL, document)
        return document

    async def discovery_document(self) -> dict[str, Any]:
        return await self._get_json(self.conf["discovery"])

    async def discovered(self, field: str) -> str:
        document = await self.discovery_document()
        value = document.get(field)
        if not isinstance(value, str) or not value:
            raise Invalid(f"the discovery document has no {field}")
        return value

    async def _jwk(self, kid: str | None) -> Any:
        """The JWKS key for `kid` (the only key when the token names none); a key not in
        the cached set refreshes it once."""
        url = await self.discovered("jwks_uri")
        for fresh in (False, True):
            keys = (await self._get_json(url, fresh)).get("keys") or []
            if kid is None:
                if len(keys) == 1:
                    return _public_key(json.dumps(keys[0], sort_keys=True))
                raise Invalid("JWT doesn't specify kid but the keystore contains multiple keys")
            for key in keys:
                if isinstance(key, dict) and key.get("kid") == kid:
                    return _public_key(json.dumps(key, sort_keys=True))
        raise Invalid(f"key with id {kid} not found")

    async def verify_jwt(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Invalid(f"invalid jwt: {exc}") from exc
        algorithm = header.get("alg")
        expected = self.conf.get("token_signing_alg_values_expected")
        if expected and algorithm != expected:
            raise Invalid(f'token is signed by unexpected algorithm "{algorithm}"')
        if algorithm not in _ASYMMETRIC:
            raise Invalid(f'token is signed by unexpected algorithm "{algorithm}"')
        public_key = self.conf.get("public_key")
        key = public_key if public_key else await self._jwk(header.get("kid"))
        options: Options = {"verify_aud": False, "verify_iat": False, "verify_iss": False}
        try:
            claims: dict[str, Any] = jwt.decode(token, key, [algorithm], options=options)
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise Invalid(str(exc)) from exc
        iat = claims.get("iat")
        if isinstance(iat, int | float) and iat > time.time() + IAT_SLACK:
            raise Invalid("JWT issued in the future")
        return claims

    async def _introspect(self, token: str) -> dict[str, Any]:
        endpoint = self.conf.get("introspection_endpoint") or await self.discovered(
            "introspection_endpoint"
        )
        cached = _INTROSPECTIONS.get((endpoint, token))
        if cached is not None and cached[0] > time.time():
            return cached[1]
        body = {"token": token}
        headers = {}
        client_id, secret = self.conf["client_id"], self.conf["client_secret"]
        if self.conf.get("introspection_endpoint_auth_method") == "client_secret_post":
            body.update(client_id=client_id, client_secret=secret)
        else:  # client_secret_basic: both URI-escaped first (RFC 6749, 2.3.1)
            pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        result = await self.call("POST", endpoint, data=body, headers=headers)
        if result.get("active") is not True:
            raise Invalid("invalid token")
        expires = result.get("exp")
        if isinstance(expires, int | float) and expires > time.time():
            _remember(endpoint, token, float(expires), result)
        return result


def _remember(endpoint: str, token: str, expires: float, result: dict[str, Any]) -> None:
    """Cache an active introspection result, the cache bounded as APISIX's shared dict is:
    expired entries go first, then the oldest."""
    if len(_INTROSPECTIONS) >= INTROSPECTION_CACHE_SIZE:
        now = time.time()
        for key in [k for k, (until, _) in _INTROSPECTIONS.items() if until <= now]:
            del _INTROSPECTIONS[key]
        while len(_INTROSPECTIONS) >= INTROSPECTION_CACHE_SIZE:
            del _INTROSPECTIONS[next(iter(_INTROSPECTIONS))]
    _INTROSPECTIONS[(endpoint, token)] = (expires, result)
