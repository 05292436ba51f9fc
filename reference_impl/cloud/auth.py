"""The Cloud API's `token` security scheme: `Authorization: Bearer <token>`, as the API7
Cloud Go SDK sends it. Tokens come from `gwconform.cloud.tokens` in the gateway config and
from nowhere else: without that key no token is valid. The admin port checks the token when
it identifies the caller (`reference_impl.caller`); the Cloud API answers the refusal."""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request

from ..caller import caller_in
from ..config import ConfigError, GatewayConfig
from .envelope import UNAUTHENTICATED, CloudError


def configured_tokens(config: GatewayConfig) -> list[str]:
    """`gwconform.cloud.tokens`: a token, or a list of tokens or `{token: ...}` mappings;
    none when the key is absent."""
    section: Any = (config.raw.get("gwconform") or {}).get("cloud") or {}
    tokens = section.get("tokens") if isinstance(section, dict) else None
    if not tokens:
        return []
    if isinstance(tokens, str):
        tokens = [tokens]
    if not isinstance(tokens, list):
        raise ConfigError(f"invalid gwconform.cloud.tokens: {tokens!r} (expected a list)")
    out = []
    for item in tokens:
        token = item.get("token") if isinstance(item, dict) else item
        if not isinstance(token, str | int) or isinstance(token, bool) or not str(token).strip():
            raise ConfigError(f"invalid gwconform.cloud.tokens entry: {item!r}")
        out.append(str(token).strip())
    return out


class CloudTokens:
    def __init__(self, config: GatewayConfig) -> None:
        self._tokens = [t.encode() for t in configured_tokens(config)]

    def refusal(self, header: str | None) -> str | None:
        """Why the `Authorization` header `header` is refused; None when it is accepted."""
        if not header:
            return "missing access token: send Authorization: Bearer <token>"
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return "invalid authorization header: expected Bearer <token>"
        given = token.strip().encode()
        if not self._tokens:
            return "invalid access token: the gateway has no Cloud API tokens"
        if not any(hmac.compare_digest(given, known) for known in self._tokens):
            return "invalid access token"
        return None


class TokenGuard:
    def __init__(self, config: GatewayConfig) -> None:
        self.tokens = CloudTokens(config)

    def check(self, request: Request) -> None:
        caller = caller_in(request.scope)
        if caller is None:  # the Cloud API served on its own, without the admin port
            refusal = self.tokens.refusal(request.headers.get("authorization"))
        else:
            refusal = caller.cloud_error
        if refusal is not None:
            raise CloudError(UNAUTHENTICATED, refusal)
