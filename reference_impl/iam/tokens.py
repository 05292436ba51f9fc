"""API tokens of the calling user: the secret is shown once (create, regenerate) and kept
only as a digest; a token acts with its owner's permissions."""

from __future__ import annotations

from typing import Any

from ..api.errors import ApiError, not_found
from . import secrets
from .records import now
from .service import IamService
from .web import API, IamCall, public_token, text


def _owner(call: IamCall) -> str:
    if not call.principal.is_user:
        raise ApiError(400, "API tokens belong to dashboard users; log in as one")
    return call.principal.id


def _expires_at(body: dict[str, Any]) -> int:
    raw = body.get("expires_at")
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
        raise ApiError(400, "invalid request body: expires_at must be a timestamp, 0 for never")
    if raw and raw <= now():
        raise ApiError(400, "invalid request body: expires_at is in the past")
    return raw


def token_or_404(iam: IamService, call: IamCall) -> dict[str, Any]:
    token = iam.records.get("tokens", call.params["token_id"])
    if token is None or token["user_id"] != _owner(call):
        raise not_found(f"token {call.params['token_id']}")
    return token


def _with_secret(iam: IamService, token: dict[str, Any]) -> dict[str, Any]:
    secret = secrets.new_token()
    stored = {**token, "token_digest": secrets.digest(secret)}
    iam.records.put("tokens", stored)
    return {"value": {**public_token(stored), "token": secret}}


def create_token(iam: IamService, call: IamCall):
    body = call.obj()
    name = text(body, "name", required=True, max_len=40)
    owner = _owner(call)
    if any(t["name"] == name and t["user_id"] == owner for t in iam.records.all("tokens")):
        raise ApiError(400, f"token name {name} is already used")
    stamp = now()
    token = {
        "id": iam.records.new_id(),
        "name": name,
        "user_id": owner,
        "expires_at": _expires_at(body),
    }
    token.update(created_at=stamp, updated_at=stamp)
    return _with_secret(iam, token)


def list_tokens(iam: IamService, call: IamCall):
    owner = _owner(call)
    rows = [public_token(t) for t in iam.records.all("tokens") if t["user_id"] == owner]
    return call.listing(
        rows, order_fields=("created_at", "updated_at", "expires_at"), default_order="created_at"
    )


def get_token(iam: IamService, call: IamCall):
    return {"value": public_token(token_or_404(iam, call))}


def update_token(iam: IamService, call: IamCall):
    token = token_or_404(iam, call)
    name = text(call.obj(), "name", required=True, max_len=40)
    updated = {**token, "name": name, "updated_at": now()}
    iam.records.put("tokens", updated)
    return {"value": public_token(updated)}


def delete_token(iam: IamService, call: IamCall):
    iam.records.delete("tokens", token_or_404(iam, call)["id"])
    return {"value": {}}


def regenerate_token(iam: IamService, call: IamCall):
    token = token_or_404(iam, call)
    expires = _expires_at(call.obj())
    return _with_secret(iam, {**token, "expires_at": expires, "updated_at": now()})


# 3.9 and 3.2 paths; one's own tokens: any authenticated caller
ROUTES = [
    route
    for base in ("/tokens", "/settings/tokens")
    for route in API.same(
        [
            ("GET", base, list_tokens),
            ("POST", base, create_token),
            ("GET", f"{base}/{{token_id}}", get_token),
            ("PUT", f"{base}/{{token_id}}", update_token),
            ("DELETE", f"{base}/{{token_id}}", delete_token),
            ("PUT", f"{base}/{{token_id}}/regenerate", regenerate_token),
        ],
        None,
        None,
    )
]
