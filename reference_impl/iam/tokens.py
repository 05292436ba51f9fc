"""API tokens of the calling user: the secret is shown once (create, regenerate) and kept
only as a digest; a token acts with its owner's permissions."""

from __future__ import annotations

from typing import Any

from ..api.actions import same_actions
from ..api.collection import RecordCollection
from ..api.context import CollectionRequest, Context
from ..api.errors import ApiError, not_found
from ..store import KeyValue
from . import secrets
from .collections import routes
from .records import now
from .service import IamService
from .web import API, IamCall, public_token, text

NOT_A_USER = "API tokens belong to dashboard users; log in as one"


def _owner(call: IamCall) -> str:
    if not call.principal.is_user:
        raise ApiError(400, NOT_A_USER)
    return call.principal.id


def _caller(call: IamCall) -> str | None:
    """The calling user, the scope of the tokens it may see (None: not a user)."""
    return call.principal.id if call.principal.is_user else None


def _user(req: CollectionRequest) -> str:
    if req.parent is None:
        raise ApiError(400, NOT_A_USER)
    return req.parent


def _expires_at(body: dict[str, Any]) -> int:
    raw = body.get("expires_at")
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
        raise ApiError(400, "invalid request body: expires_at must be a timestamp, 0 for never")
    if raw and raw <= now():
        raise ApiError(400, "invalid request body: expires_at is in the past")
    return raw


class Tokens(RecordCollection):
    """The caller's tokens (`req.parent`: the calling user); POST and the answer of a
    (re)generation show the secret, which is stored as its digest only."""

    name, kind = "tokens", "token"
    unsupported = frozenset({"patch"})
    item_pattern = "{token_id}"
    order_fields = ("created_at", "updated_at", "expires_at")
    default_order = "created_at"
    # one's own tokens: any authenticated caller
    actions = same_actions(None, None, methods=("GET", "POST", "PUT", "DELETE"))

    def owns(self, value: Any, req: CollectionRequest) -> bool:
        return isinstance(value, dict) and value.get("user_id") == _user(req)

    def listed(self, ctx: Context, req: CollectionRequest) -> list[KeyValue]:
        _user(req)
        return [kv for kv in super().listed(ctx, req) if self.owns(kv.value, req)]

    def view(self, value: Any) -> Any:
        return public_token(value)

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        name = text(conf, "name", required=True, max_len=40)
        if id is not None:  # a PUT renames
            return {**(ctx.records.get(self.name, id) or {}), "name": name}
        owner = _user(req)
        if any(t["name"] == name and t["user_id"] == owner for t in ctx.records.all(self.name)):
            raise ApiError(400, f"token name {name} is already used")
        secret = secrets.new_token()
        return {
            "name": name,
            "user_id": owner,
            "expires_at": _expires_at(conf),
            "token": secret,  # answered once, never stored (`commit`)
            "token_digest": secrets.digest(secret),
        }

    def commit(
        self, ctx: Context, req: CollectionRequest, key: str, value: dict, rev: int | None
    ) -> None:
        stored = {k: v for k, v in value.items() if k != "token"}
        super().commit(ctx, req, key, stored, rev)


class SettingsTokens(Tokens):
    path = "settings/tokens"  # the 3.2 path of the same tokens


def token_or_404(iam: IamService, call: IamCall) -> dict[str, Any]:
    token = iam.records.get("tokens", call.params["token_id"])
    if token is None or token["user_id"] != _owner(call):
        raise not_found(f"token {call.params['token_id']}")
    return token


def regenerate_token(iam: IamService, call: IamCall):
    token = token_or_404(iam, call)
    expires = _expires_at(call.obj())
    secret = secrets.new_token()
    stored = {**token, "expires_at": expires, "updated_at": now()}
    stored["token_digest"] = secrets.digest(secret)
    iam.records.put("tokens", stored)
    return {"value": {**public_token(stored), "token": secret}}


ROUTES = [
    route
    for coll in (Tokens(), SettingsTokens())
    for route in (
        *routes(coll, "token_id", _caller),
        API("PUT", f"/{coll.path or coll.name}/{{token_id}}/regenerate", regenerate_token, None),
    )
]
