"""Request plumbing of the IAM endpoints: the call, errors, body field checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..api.errors import ApiError
from ..api.listing import list_answer
from ..api.mounts import Operations
from ..schema.engine import ecma_search
from .principal import Principal

ID_PATTERN = r"^[a-zA-Z0-9-_.]+$"
# the IAM app's endpoints under `/api`, declared with their IAM actions
API = Operations("/api")


@dataclass
class IamCall:
    method: str
    params: dict[str, str]
    args: Any  # starlette QueryParams
    body: Any
    principal: Principal
    client_ip: str = ""
    base_url: str = ""  # scheme and host the caller reached, for the URLs of redirects

    def obj(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise ApiError(400, "invalid request body: expected a JSON object")
        return self.body

    def id_list(self) -> list[str]:
        """A body that is a JSON array of ids (attach/detach policies, boundaries)."""
        body = self.body
        if not isinstance(body, list) or not all(isinstance(i, str) and i for i in body):
            raise ApiError(400, "invalid request body: expected a JSON array of ids")
        return list(dict.fromkeys(body))

    def listing(self, rows: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
        return list_answer(rows, self.args, **options)


def text(body: dict[str, Any], name: str, *, required: bool, max_len: int, min_len: int = 1):
    raw = body.get(name)
    if raw is None:
        if required:
            raise ApiError(400, f"invalid request body: {name} is required")
        return None
    if not isinstance(raw, str) or not min_len <= len(raw) <= max_len:
        raise ApiError(
            400, f"invalid request body: {name} must be a string of {min_len}..{max_len} characters"
        )
    return raw


def labels(body: dict[str, Any]) -> dict[str, str]:
    raw = body.get("labels", {})
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and k and isinstance(v, str) and v for k, v in raw.items()
    ):
        raise ApiError(400, "invalid request body: labels must map non-empty strings to strings")
    return raw


def described(body: dict[str, Any], name_max: int) -> dict[str, Any]:
    """The name, description and labels a role or a policy carries."""
    return {
        "name": text(body, "name", required=True, max_len=name_max),
        "desc": text(body, "desc", required=False, max_len=65536, min_len=0) or "",
        "labels": labels(body),
    }


def ids(body: dict[str, Any], name: str, *, required: bool = False) -> list[str]:
    raw = body.get(name)
    if raw is None:
        if required:
            raise ApiError(400, f"invalid request body: {name} is required")
        return []
    if not isinstance(raw, list) or not all(
        isinstance(i, str) and 1 <= len(i) <= 256 and ecma_search(ID_PATTERN, i) for i in raw
    ):
        raise ApiError(400, f"invalid request body: {name} must be an array of ids")
    return list(dict.fromkeys(raw))


def public_user(user: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in user.items() if k != "password_hash"}


def public_token(token: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in token.items() if k != "token_digest"}
