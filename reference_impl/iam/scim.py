"""SCIM provisioning: the settings (`GET|PUT /api/scim_provisioning`) and their bearer token
(`POST /api/scim_provisioning/token`), and the SCIM 2.0 service an identity provider calls
with that token (`/scim/v2`, RFC 7643/7644): Users become dashboard users (`active: false`
deactivates one: its sessions, tokens and password stop working until it is reactivated), Groups keep their
members. Errors use SCIM's error schema."""

from __future__ import annotations

import secrets as random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import strict_json
from ..api.endpoint import in_worker
from ..api.errors import ApiError
from ..store import StoreError
from . import secrets
from .records import now
from .service import IamService
from .web import API, IamCall

SETTINGS = ("scim", "settings")
TOKEN_PREFIX = "a7scim-"
BASE = "/scim/v2"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
MEDIA = "application/scim+json"
MAX_BODY = 1024 * 1024


def _settings(iam: IamService) -> dict[str, Any]:
    return iam.records.get(*SETTINGS) or {"id": SETTINGS[1], "enable_scim": False}


def _shown(settings: dict[str, Any], call: IamCall) -> dict[str, Any]:
    return {
        "enable_scim": bool(settings.get("enable_scim")),
        "scim_url": f"{call.base_url}{BASE}",
        "token_generated": bool(settings.get("token_digest")),
    }


def get_settings(iam: IamService, call: IamCall):
    return {"value": _shown(_settings(iam), call)}


def update_settings(iam: IamService, call: IamCall):
    body = call.obj()
    unknown = sorted(set(body) - {"enable_scim"})
    if unknown:
        raise ApiError(400, f"invalid request body: unknown field {unknown[0]}")
    enable = body.get("enable_scim", False)
    if not isinstance(enable, bool):
        raise ApiError(400, "invalid request body: enable_scim must be a boolean")
    settings = {**_settings(iam), "enable_scim": enable}
    iam.records.put(SETTINGS[0], settings)
    return {"value": _shown(settings, call)}


def generate_token(iam: IamService, call: IamCall):
    token = TOKEN_PREFIX + random.token_urlsafe(48)
    iam.records.put(SETTINGS[0], {**_settings(iam), "token_digest": secrets.digest(token)})
    return {"value": token}


SETTINGS_ROUTES = [
    API("GET", "/scim_provisioning", get_settings, "iam:GetSCIMProvisioning"),
    API("PUT", "/scim_provisioning", update_settings, "iam:UpdateSCIMProvisioning"),
    API("POST", "/scim_provisioning/token", generate_token, "iam:UpdateSCIMProvisioning"),
]


# --- the SCIM 2.0 service ----------------------------------------------------------------


class ScimError(Exception):
    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type

    def response(self) -> Response:
        body: dict[str, Any] = {
            "schemas": [ERROR_SCHEMA],
            "status": str(self.status),
            "detail": self.detail,
        }
        if self.scim_type:
            body["scimType"] = self.scim_type
        return JSONResponse(body, self.status, media_type=MEDIA)


Handler = Callable[[IamService, "ScimCall"], tuple[int, Any]]


class ScimCall:
    def __init__(self, request: Request, body: Any, base_url: str) -> None:
        self.method = request.method
        self.params: dict[str, str] = dict(request.path_params)
        self.args = request.query_params
        self.body = body
        self.base_url = base_url

    def obj(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise ScimError(400, "the request body must be a JSON object", "invalidSyntax")
        return self.body


def _authorized(iam: IamService, authorization: str) -> None:
    settings = _settings(iam)
    if not settings.get("enable_scim"):
        raise ScimError(403, "SCIM provisioning is disabled")
    scheme, _, token = authorization.partition(" ")
    digest = settings.get("token_digest", "")
    if scheme.lower() != "bearer" or not digest or not secrets.same(secrets.digest(token), digest):
        raise ScimError(401, "a valid SCIM bearer token is required")


def endpoint(iam: IamService, handler: Handler) -> Callable[[Request], Any]:
    async def serve(request: Request) -> Response:
        try:
            raw = await request.body()
            if len(raw) > MAX_BODY:
                raise ScimError(413, f"request body larger than {MAX_BODY} bytes")
            try:
                body = strict_json.loads(raw) if raw.strip() else None
            except (ValueError, RecursionError) as exc:
                raise ScimError(400, f"invalid JSON: {exc}", "invalidSyntax") from None
            call = ScimCall(request, body, str(request.base_url).rstrip("/"))
            lock = None if request.method == "GET" else iam.write_lock

            def run() -> tuple[int, Any]:
                _authorized(iam, request.headers.get("authorization", ""))
                return handler(iam, call)

            status, answer = await in_worker(lock, run)
        except ScimError as exc:
            return exc.response()
        except StoreError as exc:
            return ScimError(503, f"config store unavailable: {exc}").response()
        if answer is None:
            return Response(status_code=status)
        return JSONResponse(answer, status, media_type=MEDIA)

    return serve


def _meta(record: dict[str, Any], kind: str, base_url: str) -> dict[str, Any]:
    return {
        "resourceType": kind,
        "created": _stamp(record["created_at"]),
        "lastModified": _stamp(record["updated_at"]),
        "location": f"{base_url}{BASE}/{kind}s/{record['id']}",
    }


def _stamp(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _scim_user(user: dict[str, Any], iam: IamService, base_url: str) -> dict[str, Any]:
    groups = [
        {"value": g["id"], "display": g["displayName"]}
        for g in _groups(iam)
        if user["id"] in g.get("members", [])
    ]
    shown: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "id": user["id"],
        "userName": user["username"],
        "displayName": user.get("name", user["username"]),
        "active": user.get("state", "Active") == "Active",
        "emails": [{"value": user["email"], "primary": True}] if user.get("email") else [],
        "groups": groups,
        "meta": _meta(user, "User", base_url),
    }
    for field in ("externalId", "name"):
        if field in (user.get("scim") or {}):
            shown[field] = user["scim"][field]
    return shown


def _string(body: dict[str, Any], name: str, *, required: bool) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > 256:
        raise ScimError(400, f"{name} must be a non-empty string", "invalidValue")
    return value


def _user_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The dashboard-user fields of a SCIM User body (userName required)."""
    username = _string(body, "userName", required=True)
    active = body.get("active", True)
    if not isinstance(active, bool):
        raise ScimError(400, "active must be a boolean", "invalidValue")
    emails = body.get("emails") or []
    if not isinstance(emails, list) or not all(isinstance(e, dict) for e in emails):
        raise ScimError(400, "emails must be an array of objects", "invalidValue")
    primary = next((e for e in emails if e.get("primary")), emails[0] if emails else {})
    name = body.get("name")
    if name is not None and not isinstance(name, dict):
        raise ScimError(400, "name must be an object", "invalidValue")
    scim = {k: body[k] for k in ("externalId", "name") if body.get(k) is not None}
    fields: dict[str, Any] = {
        "username": username,
        "name": _string(body, "displayName", required=False) or username,
        "email": str(primary.get("value") or ""),
        "state": "Active" if active else "Deactivated",
        "scim": scim,
    }
    password = body.get("password")
    if password is not None:
        if not isinstance(password, str) or not 1 <= len(password) <= 128:
            raise ScimError(400, "password must be a string of 1..128 characters", "invalidValue")
        fields["password"] = password
    return fields


def _store_user(iam: IamService, user: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    other = iam.find_user(fields["username"])
    if other is not None and other["id"] != user.get("id"):
        raise ScimError(409, f"user {fields['username']} already exists", "uniqueness")
    password = fields.pop("password", None)
    if password is not None:
        fields["password_hash"] = secrets.hash_password(password, iam.bcrypt_rounds)
    updated = {**user, **fields, "updated_at": now()}
    iam.records.put("users", updated)  # a deactivated user's credentials stop working
    return updated


def _revoke(iam: IamService, user_id: str) -> None:
    for kind in ("sessions", "tokens"):
        for record in iam.records.all(kind):
            if record.get("user_id") == user_id:
                iam.records.delete(kind, record["id"])


def _provisioned(iam: IamService, user_id: str) -> dict[str, Any]:
    user = iam.records.get("users", user_id)
    if user is None or user.get("type") != "scim":
        raise ScimError(404, f"User {user_id} not found")
    return user


def _page(call: ScimCall, rows: list[dict[str, Any]]) -> dict[str, Any]:
    try:
        start = max(int(call.args.get("startIndex", "1")), 1)
        count = max(int(call.args.get("count", "100")), 0)
    except ValueError:
        raise ScimError(400, "startIndex and count must be integers", "invalidValue") from None
    page = rows[start - 1 : start - 1 + count]
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": len(rows),
        "startIndex": start,
        "itemsPerPage": len(page),
        "Resources": page,
    }


def _filtered(call: ScimCall, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`filter=<attribute> eq "<value>"`, the one filter identity providers send."""
    raw = call.args.get("filter")
    if not raw:
        return rows
    attribute, wanted = _equality(raw, "invalidFilter")
    return [r for r in rows if str(r.get(attribute, "")).lower() == wanted.lower()]


def list_users(iam: IamService, call: ScimCall) -> tuple[int, Any]:
    users = [u for u in iam.records.all("users") if u.get("type") == "scim"]
    shown = [
        _scim_user(u, iam, call.base_url) for u in sorted(users, key=lambda u: u["created_at"])
    ]
    return 200, _page(call, _filtered(call, shown))


def create_user(iam: IamService, call: ScimCall) -> tuple[int, Any]:
    fields = _user_fields(call.obj())
    stamp = now()
    base = {
        "id": iam.records.new_id(),
        "labels": {},
        "type": "scim",
        "roles": [],
        "boundaries": [],
        "created_at": stamp,
    }
    return 201, _scim_user(_store_user(iam, base, fields), iam, call.base_url)


def get_user(iam: IamService, call: ScimCall) -> tuple[int, Any]:
    return 200, _scim_user(_provisioned(iam, call.params["id"]), iam, call.base_url)


def replace_user(iam: IamService, call: ScimCall) -> tuple[int, Any]:
    user = _provisioned(iam, call.params["id"])
    fields = _user_fields(call.obj())
    return 200, _scim_user(_store_user(iam, user, fields), iam, call.base_url)


def _operations(body: dict[str, Any]) -> list[dict[str, Any]]:
    if PATCH_SCHEMA not in (body.get("schemas") or []):
        raise ScimError(400, f"a PATCH body needs the schema {PATCH_SCHEMA}", "invalidSyntax")
    ops = body.get("Operations")
    if not isinstance(ops, list) or not ops or not all(isinstance(o, dict) for o in ops):
        raise ScimError(400, "Operations must be a non-empty array of objects", "invalidSyntax")
    for op in ops:
        if str(op.get("op", "")).lower() not in ("add", "replace", "remove"):
            raise ScimError(400, f"unsupported op {op.get('op')!r}", "invalidSyntax")
    return ops


def patch_user(iam: IamService, call: ScimCall) -> tuple[int, Any]:
    user = _provisioned(iam, call.params["id"])
    current = _scim_user(user, iam, call.base_url)
    document: dict[str, Any] = {
        k: current[k] for k in ("userName", "displayName", "active", "emails") if k in current
    }
    document.update(user.get("scim") or {})
    for op in _operations(call.obj()):
        path, value, kind = op.get("path"), op.get("value"), op["op"].lower()
        if path is None:
            if kind == "remove" or not isinstance(value, dict):
                raise ScimError(400, "an operation without path needs an object value", "noTarget")
            document.update(value)
        elif kind == "remove":
            document.pop(str(path), None)
        else:
            document[str(path)] = value
    fields = _user_fields(document)
    return 200, _scim_user(_store_user(iam, user, fields), iam, call.base_url)


def delete_user(iam: IamService, call: ScimCall) -> tuple[int, Any]:
    user = _provisioned(iam, call.params["id"])
    _revoke(iam, user["id"])
    iam.records.delete("users", user["id"])
    for group in _groups(iam):
        if user["id"] in group.get("members", []):
            members = [m for m in group["members"] if m != user["id"]]
            iam.records.put("scim_groups", {**group, "members": members})
    return 204, None


def _groups(iam: IamService) -> list[dict[str, Any]]:
    """The stored groups (a value no SCIM request wrote, without their fields, is none)."""
    return [
        g
        for g in iam.records.all("scim_groups")
        if isinstance(g.get("id"), str)
        and isinstance(g.get("displayName"), str)
        and isinstance(g.get("members"), list)
        and isinstance(g.get("created_at"), int)
        and isinstance(g.get("updated_at"), int)
    ]


def _scim_group(group: dict[str, Any], base_url: str) -> dict[str, Any]:
    return {
        "schemas": [GROUP_SCHEMA],
        "id": group["id"],
        "displayName": group["displayName"],
        "members": [{"value": m} for m in group.get("members", [])],
        "meta": _meta(group, "Group", base_url),
    }


def _members(iam: IamService, raw: Any) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(m, dict) for m in raw):
        raise ScimError(400, "members must be an array of objects", "invalidValue")
    ids = [str(m.get("value", "")) for m in raw]
    for user_id in ids:
        if iam.records.get("users", user_id) is None:
            raise ScimError(400, f"member {user_id} is not a user", "invalidValue")
    return list(dict.fromkeys(ids))


def _group(iam: IamService, group_id: str) -> dict[str, Any]:
    group = next((g for g in _groups(iam) if g["id"] == group_id), None)
    if group is None:
        raise ScimError(404, f"Group {group_id} not found")
    return group


def _store_group(iam: IamService, group: dict[str, Any], call: ScimCall) -> dict[str, Any]:
    name = group["displayName"]
    if any(g["displayName"] == name and g["id"] != group["id"] for g in _groups(iam)):
        raise ScimError(409, f"group {name} already exists", "uniqueness")
    iam.records.put("scim_groups", group)
    return _scim_group(group, call.base_url)


def list_groups(iam: IamService, call: ScimCall) -> tuple[int, Any]:
    groups = sorted(_groups(iam), key=lambda g: g["created_at"])
    return 200, _page(call, _filtered(call, [_scim_group(g, call.base_url) for g in groups]))


def create_group(iam: IamService, call: ScimCall) -> tuple[int, Any]:
    body = call.obj()
    stamp = now()
    group = {
        "id": iam.records.new_id(),
        "displayName": _string(body, "displayName", required=True),
        "members": _members(iam, body.get("members")),
        "created_at": stamp,
        "updated_at": stamp,
    }
    return 201, _store_group(iam, group, call)


def get_group(iam: IamService, call: ScimCall) -> tuple[int, Any]:
    return 200, _scim_group(_group(iam, call.params["id"]), call.base_url)


def replace_group(iam: IamService, call: ScimCall) -> tuple[int, Any]:
    group, body = _group(iam, call.params["id"]), call.obj()
    changes = {
        "displayName": _string(body, "displayName", required=True),
        "members": _members(iam, body.get("members")),
        "updated_at": now(),
    }
    return 200, _store_group(iam, {**group, **changes}, call)


def patch_group(iam: IamService, call: ScimCall) -> tuple[int, Any]:
    group = dict(_group(iam, call.params["id"]))
    for op in _operations(call.obj()):
        path, value, kind = op.get("path"), op.get("value"), op["op"].lower()
        if path == "displayName" or (path is None and isinstance(value, dict)):
            name = value.get("displayName") if isinstance(value, dict) else value
            group["displayName"] = _string({"displayName": name}, "displayName", required=True)
        elif path == "members" and kind == "add":
            group["members"] = list(dict.fromkeys([*group["members"], *_members(iam, value)]))
        elif path == "members" and kind == "replace":
            group["members"] = _members(iam, value)
        elif str(path).startswith("members") and kind == "remove":
            gone = set(_members(iam, value)) if value else _member_filter(str(path))
            group["members"] = [m for m in group["members"] if m not in gone]
        else:
            raise ScimError(400, f"unsupported group operation {kind} {path}", "invalidPath")
    group["updated_at"] = now()
    return 200, _store_group(iam, group, call)


def _member_filter(path: str) -> set[str]:
    """`members[value eq "id"]`, as Azure AD removes one member."""
    attribute, value = _equality(path.partition("[")[2].rstrip("]"), "invalidPath")
    if attribute != "value":
        raise ScimError(400, f"unsupported member path {path!r}", "invalidPath")
    return {value}


def _equality(text: str, scim_type: str) -> tuple[str, str]:
    """(attribute, value) of `attribute eq "value"`, the one filter form served."""
    attribute, op, value = [*text.split(" ", 2), "", ""][:3]
    if op.lower() != "eq" or len(value) < 2 or value[0] != '"' or value[-1] != '"':
        raise ScimError(400, f'unsupported filter {text!r}: only `attribute eq "value"`', scim_type)
    return attribute, value[1:-1]


def delete_group(iam: IamService, call: ScimCall) -> tuple[int, Any]:
    _group(iam, call.params["id"])
    iam.records.delete("scim_groups", call.params["id"])
    return 204, None


def service_provider_config(iam: IamService, call: ScimCall) -> tuple[int, Any]:
    unsupported = {"supported": False}
    return 200, {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": {"supported": True},
        "bulk": {**unsupported, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": 1000},
        "changePassword": unsupported,
        "sort": unsupported,
        "etag": unsupported,
        "authenticationSchemes": [
            {"type": "oauthbearertoken", "name": "Bearer token", "description": "SCIM token"}
        ],
    }


PROTOCOL_ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", f"{BASE}/ServiceProviderConfig", service_provider_config),
    ("GET", f"{BASE}/Users", list_users),
    ("POST", f"{BASE}/Users", create_user),
    ("GET", f"{BASE}/Users/{{id}}", get_user),
    ("PUT", f"{BASE}/Users/{{id}}", replace_user),
    ("PATCH", f"{BASE}/Users/{{id}}", patch_user),
    ("DELETE", f"{BASE}/Users/{{id}}", delete_user),
    ("GET", f"{BASE}/Groups", list_groups),
    ("POST", f"{BASE}/Groups", create_group),
    ("GET", f"{BASE}/Groups/{{id}}", get_group),
    ("PUT", f"{BASE}/Groups/{{id}}", replace_group),
    ("PATCH", f"{BASE}/Groups/{{id}}", patch_group),
    ("DELETE", f"{BASE}/Groups/{{id}}", delete_group),
]
