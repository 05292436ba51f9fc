"""Signing in through a login option: the option a login path names, the dashboard user an
identity provider's answer creates or maps to (roles and boundaries from the option's
mappings), and the session cookie of the built-in login."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from ..api.errors import ApiError, not_found
from . import secrets
from .records import now
from .service import SESSION_COOKIE, IamService

Attributes = Mapping[str, Any]  # what the provider says of the user: LDAP attributes, claims


def login_option(iam: IamService, option_id: str, kind: str) -> dict[str, Any]:
    """The enabled option `option_id` of provider type `kind`."""
    option = iam.records.get("login_options", option_id)
    if option is None or option.get("provider_type") != kind:
        raise not_found(f"{kind} login option {option_id}")
    if option.get("disable"):
        raise ApiError(400, f"login option {option['name']} is disabled")
    return option


def _holds(attributes: Attributes, condition: Mapping[str, str]) -> bool:
    found = attributes.get(condition["attribute"])
    values = found if isinstance(found, list | tuple) else [found]
    return condition["value"] in [str(v) for v in values if v is not None]


def _mapped(mappings: list[dict[str, Any]], target: str, attributes: Attributes) -> list[str]:
    out = []
    for mapping in mappings:
        conditions = mapping.get("conditions") or []
        test = all if mapping.get("operation") == "all" else any
        if not conditions or test(_holds(attributes, c) for c in conditions):
            out.append(mapping[target])
    return list(dict.fromkeys(out))


def signed_in_user(
    iam: IamService, option: Mapping[str, Any], username: str, attributes: Attributes
) -> dict[str, Any]:
    """The user `username` of this option: created on the first login, its roles and
    boundaries those the option's mappings give now (kept when the option has none)."""
    user = iam.find_user(username)
    if user is not None and user.get("login_option_id") != option["id"]:
        raise ApiError(400, f"user {username} exists and does not sign in with {option['name']}")
    if user is not None and user.get("state") != "Active":
        raise ApiError(401, f"user {username} is deactivated")
    roles = _mapped(option.get("role_mapping") or [], "role_id", attributes)
    boundaries = _mapped(option.get("boundary_mapping") or [], "boundary_id", attributes)
    stamp = now()
    email = attributes.get("email")
    base = user or {
        "id": iam.records.new_id(),
        "username": username,
        "name": username,
        "labels": {},
        "state": "Active",
        "type": option["provider_type"],
        "login_option_id": option["id"],
        "created_at": stamp,
        "roles": [],
        "boundaries": [],
    }
    changes: dict[str, Any] = {"updated_at": stamp, "email": str(email or base.get("email", ""))}
    # with mappings, every login sets what they give; without, an administrator's choice stays
    if option.get("role_mapping"):
        changes["roles"] = roles
    if option.get("boundary_mapping"):
        changes["boundaries"] = boundaries
    updated = {**base, **changes}
    iam.records.put("users", updated)
    return updated


def open_session(iam: IamService, user: Mapping[str, Any], response: Response) -> Response:
    """`response` with the session cookie of a new session of `user`."""
    session_id = secrets.new_session_id()
    record = {"id": secrets.digest(session_id), "user_id": user["id"]}
    record["expires_at"] = now() + iam.session_ttl
    iam.records.put("sessions", record, ttl=iam.session_ttl)
    response.set_cookie(
        SESSION_COOKIE, session_id, max_age=iam.session_ttl, httponly=True, samesite="lax"
    )
    return response


def close_session(iam: IamService, session_id: str | None, response: Response) -> Response:
    if session_id:
        iam.records.delete("sessions", session_id)
    response.delete_cookie(SESSION_COOKIE)
    return response
