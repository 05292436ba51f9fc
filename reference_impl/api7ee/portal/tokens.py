"""Portal tokens (`/api/portal_tokens?portal_id=`): the bearer tokens a developer portal
backend calls with. The value (`a7prt-...`) is shown once, when created or regenerated;
the store keeps its SHA-256 only, and regenerating replaces it at once."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from ...api.actions import crud_actions
from ...api.context import CollectionRequest, Context
from ...api.errors import ApiError
from ..context import API, Api, Call
from ..group_collections import control_store
from ..schemas import check
from ..web import value
from .kinds import PORTAL_TOKENS
from .scope import PORTAL, PortalCollection, portal_id, portal_or_404, portal_routes

PREFIX = "a7prt-"
EXPIRES = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
CREATE: dict[str, Any] = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "maxLength": 256}, "expires_at": EXPIRES},
    "additionalProperties": False,
}
UPDATE: dict[str, Any] = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "maxLength": 256}},
    "additionalProperties": False,
}
REGENERATE: dict[str, Any] = {
    "type": "object",
    "required": ["expires_at"],
    "properties": {"expires_at": EXPIRES},
    "additionalProperties": False,
}
HIDDEN = ("token_hash",)
SHOWN_ONCE = "token"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    token = PREFIX + secrets.token_hex(24)
    return token, digest(token)


class PortalTokens(PortalCollection):
    name, kind = PORTAL_TOKENS, "portal token"
    unsupported = frozenset({"patch"})
    actions = crud_actions("PortalToken", (PORTAL,), patch=False, prefix="portal")
    order_fields = ("created_at", "updated_at", "expires_at")
    default_order = "created_at"

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        if id is not None:  # an update names the token only
            body = check(UPDATE, conf, read_only_ok=True)
            old = control_store(ctx).get(PORTAL_TOKENS, str(req.parent), id) or {}
            kept = {k: old[k] for k in ("portal_id", "expires_at", "token_hash") if k in old}
            return {**kept, **body}
        body = check(CREATE, conf, read_only_ok=True)
        token, hashed = new_token()
        return {"expires_at": 0, **body, "portal_id": req.parent, "token_hash": hashed,
                SHOWN_ONCE: token}  # fmt: skip

    def commit(
        self, ctx: Context, req: CollectionRequest, key: str, value: dict, rev: int | None
    ) -> None:
        stored = {k: v for k, v in value.items() if k != SHOWN_ONCE}
        super().commit(ctx, req, key, stored, rev)

    def view(self, value: Any) -> Any:
        return {k: v for k, v in value.items() if k not in HIDDEN}


def regenerate(api: Api, call: Call) -> tuple[int, Any]:
    portal = portal_id(call.args)
    portal_or_404(api.cp, portal)
    token_id = call.params["portal_token_id"]
    record = api.cp.get(PORTAL_TOKENS, portal, token_id)
    if record is None:
        raise ApiError(404, f"portal token {token_id} not found on portal {portal}")
    body = check(REGENERATE, call.obj())
    token, hashed = new_token()
    record.update(body, token_hash=hashed, updated_at=api.cp.clock())
    api.cp.put(PORTAL_TOKENS, record, portal, token_id)
    shown = {k: v for k, v in record.items() if k not in HIDDEN}
    return 200, value({**shown, SHOWN_ONCE: token})


def portal_of_token(api: Api, token: str, now: int) -> str | None:
    """The portal a live portal token belongs to, or None."""
    if not token.startswith(PREFIX):
        return None
    hashed = digest(token)
    for kv in api.cp.entries(PORTAL_TOKENS):
        record = kv.value
        if isinstance(record, dict) and secrets.compare_digest(
            record.get("token_hash", ""), hashed
        ):
            expires = record.get("expires_at") or 0
            return None if expires and expires <= now else record["portal_id"]
    return None


ROUTES = [
    *portal_routes(PortalTokens(), "portal_token_id"),
    API(
        "PUT",
        "/portal_tokens/{portal_token_id}/regenerate",
        regenerate,
        "portal:UpdatePortalToken",
        "portal_id",
    ),
]
