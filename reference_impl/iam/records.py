"""Where IAM records live in the config store: `/gwconform/iam/<kind>/<id>`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from ..api.errors import ApiError
from ..api.records import Records, UniqueNames
from ..store import Store

PREFIX = "/gwconform/iam"
KINDS = (
    "users",
    "roles",
    "permission_policies",
    "tokens",
    "sessions",
    "audit_logs",
    "login_options",
    "oidc_states",
    "scim",
    "scim_groups",
)


def now() -> int:
    return int(time.time())


def _username(user: dict[str, Any]) -> Mapping[str, Exception]:
    name = user.get("username")
    return {f"users/{name}": ApiError(400, f"user {name} already exists")} if name else {}


def _token_name(token: dict[str, Any]) -> Mapping[str, Exception]:
    name, owner = token.get("name"), token.get("user_id")
    if not name or not owner:
        return {}
    return {f"tokens/{owner}/{name}": ApiError(400, f"token name {name} is already used")}


UNIQUE: dict[str, UniqueNames] = {"users": _username, "tokens": _token_name}


def iam_records(store: Store) -> Records:
    return Records(store, PREFIX, unique=UNIQUE)
