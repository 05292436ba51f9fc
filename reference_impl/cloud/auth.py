"""The Cloud API's `token` security scheme: `Authorization: Bearer <token>`, as the API7
Cloud Go SDK sends it. Tokens come from `gwconform.cloud.tokens` in the gateway config."""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request

from ..config import GatewayConfig
from .envelope import UNAUTHENTICATED, CloudError

DEFAULT_TOKEN = "a7c-gwconform-cloud-token-7f3d9b2e41c6"


def configured_tokens(config: GatewayConfig) -> list[str]:
    section: Any = (config.raw.get("gwconform") or {}).get("cloud") or {}
    tokens = section.get("tokens") if isinstance(section, dict) else None
    if not tokens:
        return [DEFAULT_TOKEN]
    if isinstance(tokens, str):
        tokens = [tokens]
    return [str(t["token"] if isinstance(t, dict) else t) for t in tokens if t]


class TokenGuard:
    def __init__(self, config: GatewayConfig) -> None:
        self._tokens = [t.encode() for t in configured_tokens(config)]

    def check(self, request: Request) -> None:
        header = request.headers.get("authorization")
        if not header:
            raise CloudError(
                UNAUTHENTICATED, "missing access token: send Authorization: Bearer <token>"
            )
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise CloudError(
                UNAUTHENTICATED, "invalid authorization header: expected Bearer <token>"
            )
        given = token.strip().encode()
        if not any(hmac.compare_digest(given, known) for known in self._tokens):
            raise CloudError(UNAUTHENTICATED, "invalid access token")
