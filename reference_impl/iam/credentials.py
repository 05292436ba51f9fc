"""The IAM credentials of a request and whom they identify. Precedence: `X-API-KEY` (a
gateway admin key acts as Super Admin, a viewer key as Viewer; otherwise an API token), then
basic auth, then the session cookie."""

from __future__ import annotations

from collections.abc import Mapping
from http.cookies import SimpleCookie

from starlette.types import Scope

from ..store import StoreError
from .principal import AuthError, Principal
from .secrets import TOKEN_PREFIX
from .service import SESSION_COOKIE, IamService


def headers_of(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def carries_iam_credentials(headers: Mapping[str, str]) -> bool:
    """An API token, basic auth or a session: what makes an `/apisix/admin` request one for
    IAM rather than for the APISIX Admin API's own key check."""
    key = headers.get("x-api-key")
    if key:
        return key.startswith(TOKEN_PREFIX)
    return headers.get("authorization", "")[:6].lower() == "basic " or (
        SESSION_COOKIE in _cookies(headers)
    )


def identify(iam: IamService, headers: Mapping[str, str]) -> Principal | AuthError | StoreError:
    """The caller, or why the credentials identify no one (401) or cannot be checked (503).
    Blocking: it reads the store."""
    try:
        iam.ensure_bootstrapped()  # when the store was down at start-up
        return iam.authenticate(headers, _cookies(headers))
    except (AuthError, StoreError) as exc:
        return exc


def _cookies(headers: Mapping[str, str]) -> dict[str, str]:
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header identifies no session
        return {}
    return {name: morsel.value for name, morsel in jar.items()}
