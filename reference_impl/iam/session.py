"""Built-in login and logout (a session cookie), and the caller's own profile and password."""

from __future__ import annotations

from starlette.responses import JSONResponse

from ..api.errors import ApiError
from . import secrets
from .federated import close_session, open_session
from .records import now
from .service import IamService
from .users import user_or_404
from .web import API, IamCall, public_user, text


def login(iam: IamService, call: IamCall):
    body = call.obj()
    username = text(body, "username", required=True, max_len=128)
    password = text(body, "password", required=True, max_len=128)
    user = iam.find_user(username)
    if user is None or not iam.password_ok(user, password):
        raise ApiError(401, "wrong username or password")
    if user.get("state", "Active") != "Active":
        raise ApiError(401, f"user {username} is deactivated")
    return open_session(iam, user, JSONResponse({"value": public_user(user)}))


def logout(iam: IamService, call: IamCall):
    return close_session(iam, call.principal.session_id, JSONResponse({"value": {}}))


def _me(iam: IamService, call: IamCall):
    if not call.principal.is_user:
        raise ApiError(400, "the caller is an admin key, not a dashboard user")
    return user_or_404(iam, call.principal.id)


def get_me(iam: IamService, call: IamCall):
    if not call.principal.is_user:
        principal = call.principal
        return {
            "value": {
                "id": principal.id,
                "username": principal.username,
                "roles": list(principal.roles),
            }
        }
    return {"value": public_user(_me(iam, call))}


def update_me(iam: IamService, call: IamCall):
    user = _me(iam, call)
    name = text(call.obj(), "name", required=True, max_len=200)
    updated = {**user, "name": name, "updated_at": now()}
    iam.records.put("users", updated)
    return {"value": public_user(updated)}


def update_email(iam: IamService, call: IamCall):
    user = _me(iam, call)
    email = text(call.obj(), "email", required=True, max_len=128)
    if "@" not in email:
        raise ApiError(400, "invalid request body: email must be an email address")
    iam.records.put("users", {**user, "email": email, "updated_at": now()})
    return {"value": {}}


def delete_email(iam: IamService, call: IamCall):
    user = _me(iam, call)
    iam.records.put("users", {**user, "email": "", "updated_at": now()})
    return {"value": {}}


def change_password(iam: IamService, call: IamCall):
    user = _me(iam, call)
    body = call.obj()
    old = text(body, "old_password", required=True, max_len=128)
    new = text(body, "new_password", required=True, max_len=128)
    if not iam.password_ok(user, old):
        raise ApiError(400, "the old password is wrong")
    hashed = secrets.hash_password(new, iam.bcrypt_rounds)
    iam.records.put("users", {**user, "password_hash": hashed, "updated_at": now()})
    return {"value": {}}


# one's own session and profile: any authenticated caller (login: anyone, see middleware)
ROUTES = API.same(
    [
        ("POST", "/login", login),
        ("POST", "/logout", logout),
        ("GET", "/me", get_me),
        ("PUT", "/me", update_me),
        ("PUT", "/me/email", update_email),
        ("DELETE", "/me/email", delete_email),
        ("PUT", "/password", change_password),
    ],
    None,
    None,
)
