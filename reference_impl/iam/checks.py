"""The permission check endpoint: may this user do these actions on these resources?

Body: `{"<name>": {"action": ..., "resource": ..., "context": {...}}, ...}`; answer:
`{"value": {"<name>": true|false, ...}}`. The user is the caller, or `?user_id=` (which
needs `iam:GetUser` on that user).
"""

from __future__ import annotations

from typing import Any

from ..api.errors import ApiError
from .engine import is_allowed
from .principal import Principal
from .service import IamService
from .users import user_or_404
from .web import API, IamCall

MAX_CHECKS = 1000


def _subject(iam: IamService, call: IamCall) -> Principal:
    user_id = call.args.get("user_id")
    if not user_id or (call.principal.is_user and user_id == call.principal.id):
        return call.principal
    if not iam.allowed(call.principal, "iam:GetUser", f"arn:api7:iam:user/{user_id}"):
        raise ApiError(403, f"no permission to check the permissions of user {user_id}")
    return iam.user_principal(user_or_404(iam, user_id))


def _item(name: str, raw: Any) -> tuple[str, str, dict[str, Any]]:
    if not isinstance(raw, dict):
        raise ApiError(400, f"invalid request body: {name} must be an object")
    action, resource = raw.get("action"), raw.get("resource")
    if not isinstance(action, str) or not action or not isinstance(resource, str) or not resource:
        raise ApiError(400, f"invalid request body: {name} needs string action and resource")
    context = raw.get("context") or {}
    if not isinstance(context, dict):
        raise ApiError(400, f"invalid request body: {name}.context must be an object")
    return action, resource, context


def check_permissions(iam: IamService, call: IamCall):
    body = call.obj()
    if len(body) > MAX_CHECKS:
        raise ApiError(400, f"invalid request body: at most {MAX_CHECKS} checks at once")
    items = {name: _item(name, raw) for name, raw in body.items()}
    subject = _subject(iam, call)
    policies, boundaries = iam.policies_of(subject)
    answers = {
        name: is_allowed(policies, boundaries, action, resource, context)
        for name, (action, resource, context) in items.items()
    }
    return {"value": answers}


ROUTES = [API("POST", "/permissions/check", check_permissions, None)]
