"""Who calls the admin port: a `Caller`, identified once per request by the admin port
(`reference_impl.admin_port.Identify`) and kept in the ASGI scope under `SCOPE_KEY`, from
which every API on the port authorizes the request: the APISIX Admin API by the role of the
admin key, API7 and IAM by the IAM identity and the enforcement table, the Cloud API by its
bearer token. Nothing on the way rewrites the request's credentials."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.types import Scope

if TYPE_CHECKING:  # the IAM package imports this module
    from .iam.principal import AuthError, Principal
    from .store import StoreError

SCOPE_KEY = "gwconform.principal"


@dataclass(frozen=True)
class Caller:
    """Each API reads the part it accepts credentials for; a request is for one API."""

    # APISIX Admin API: the role ("admin" or "viewer") of the gateway admin key the request
    # acts with, else why not ("missing apikey" or "wrong apikey")
    admin_role: str | None = None
    admin_key_error: str = "missing apikey"
    # the gateway group whose own admin key `X-API-KEY` is: the request is scoped to it
    group: str | None = None
    # API7 and IAM: the identity of the IAM credentials, or why they identify no one; both
    # None when the request carries none (a plain APISIX Admin API request)
    iam: Principal | None = None
    iam_error: AuthError | StoreError | None = None
    # Cloud API: why its bearer token is refused, None when it is accepted
    cloud_error: str | None = None

    @property
    def has_iam_credentials(self) -> bool:
        return self.iam is not None or self.iam_error is not None


def caller_in(scope: Scope) -> Caller | None:
    """The caller the admin port identified, None for an API served on its own."""
    caller = scope.get(SCOPE_KEY)
    return caller if isinstance(caller, Caller) else None


def identified(scope: Scope) -> Caller:
    caller = caller_in(scope)
    if caller is None:
        raise LookupError("the admin port identifies the caller before any API sees a request")
    return caller


def admin_key_caller(request: Request, roles: Mapping[str, str], header_key: str | None) -> Caller:
    """The caller by APISIX's admin key rule: the `api_key` argument, the key the request
    acts with (`header_key`, its `X-API-KEY` unless another identification stands in for
    it), the `X-API-KEY` or `x_api_key` cookie, first found wins."""
    key = (
        request.query_params.get("api_key")
        or header_key
        or request.cookies.get("X-API-KEY")
        or request.cookies.get("x_api_key")
    )
    role = roles.get(key) if key else None
    error = "" if role is not None else "wrong apikey" if key else "missing apikey"
    return Caller(admin_role=role, admin_key_error=error)
