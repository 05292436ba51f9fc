"""HTTP calls from the control plane to an identity provider (OIDC discovery, tokens and
keys; SAML metadata; CAS ticket validation): one timeout, and a provider that does not
answer, or answers with an error, is a 400 naming it."""

from __future__ import annotations

from typing import Any

import httpx

from ..api.errors import ApiError

TIMEOUT = 10.0


def call(method: str, url: str, *, verify: bool = True, **request: Any) -> httpx.Response:
    try:
        with httpx.Client(timeout=TIMEOUT, verify=verify) as client:
            answer = client.request(method, url, **request)
    except httpx.HTTPError as exc:
        raise ApiError(400, f"identity provider {url} did not answer: {exc}") from None
    if answer.status_code >= 400:
        raise ApiError(
            400, f"identity provider {url} answered {answer.status_code}: {answer.text[:200]}"
        )
    return answer


def json_of(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, f"identity provider {answer.url} answered no JSON object")
    return body
