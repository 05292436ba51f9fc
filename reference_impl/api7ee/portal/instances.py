"""Portal instances (`/api/portals`), and the per-portal settings the catalog guards with
`portal/%s/loginsetting/*`: public access (seed: Developer Portal Settings), the developer
login options and SCIM provisioning (paths inferred, no API7 document gives them)."""

from __future__ import annotations

from typing import Any

from ...api.actions import Actions, crud_actions, row
from ...api.collection import RecordCollection
from ...api.context import CollectionRequest, Context
from ...api.errors import ApiError
from ..context import API, Api, Call
from ..group_collections import control_store
from ..schemas import LABELS, check
from ..web import value
from . import products
from .kinds import (
    APPLICATIONS,
    APPROVALS,
    DEVELOPERS,
    NOTIFICATIONS,
    PORTAL_LOGIN_OPTIONS,
    PORTAL_SETTINGS,
    PORTAL_TOKENS,
    PORTALS,
    SUBSCRIPTIONS,
)
from .scope import (
    DEFAULT_PORTAL,
    PORTAL,
    PortalCollection,
    api_routes,
    portal_id,
    portal_or_404,
    portal_routes,
)

PORTAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "public_url"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "labels": LABELS,
        "public_url": {"type": "string", "minLength": 1, "pattern": r"^https?://[^\s/]+"},
    },
    "additionalProperties": False,
}
PER_PORTAL = (
    PORTAL_TOKENS,
    PORTAL_LOGIN_OPTIONS,
    DEVELOPERS,
    APPLICATIONS,
    SUBSCRIPTIONS,
    NOTIFICATIONS,
)
PUBLIC_ACCESS: dict[str, Any] = {
    "type": "object",
    "required": ["portal_public_access"],
    "properties": {"portal_public_access": {"type": "boolean"}},
    "additionalProperties": False,
}
# the one developer login the reference's developer portal backend serves: sign-up and
# identification by developer id; OIDC, SAML, LDAP logins are refused, not stored unused
LOGIN_OPTION: dict[str, Any] = {
    "type": "object",
    "required": ["name", "type"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "type": {"type": "string", "enum": ["builtin"]},
        "enabled": {"type": "boolean", "default": True},
    },
    "additionalProperties": False,
}
SCIM: dict[str, Any] = {
    "type": "object",
    "required": ["enabled"],
    "properties": {"enabled": {"type": "boolean", "enum": [False]}},
    "additionalProperties": False,
}


def _portal_rows(base: str, item: str) -> list:
    return [
        row("GET", base, "portal:ListPortals", resource="arn:api7:portal:portal/*"),
        row("POST", base, "portal:CreatePortal"),
        row("GET", f"{base}/{item}", "portal:GetPortal", PORTAL),
        row("PUT", f"{base}/{item}", "portal:UpdatePortal", PORTAL),
        row("DELETE", f"{base}/{item}", "portal:DeletePortal", PORTAL),
    ]


class Portals(RecordCollection):
    name, kind = PORTALS, "portal"
    unsupported = frozenset({"patch"})
    actions = Actions(_portal_rows)
    item_pattern = "{portal_id}"

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        return check(PORTAL_SCHEMA, conf, read_only_ok=True)

    def missing(self, id: str, req: CollectionRequest) -> str:
        return f"portal {id} not found"

    def delete_checker(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        if id == DEFAULT_PORTAL:
            raise ApiError(400, "the default portal cannot be deleted")

    def after_delete(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        """Everything of the portal goes with it: its products first (their subscriptions
        end, their services lose their authentication), then its records."""
        products.remove_all(ctx, id)
        cp = control_store(ctx)
        for kind in PER_PORTAL:
            for kv in cp.entries(kind, id):
                cp.store.delete(kv.key)
        for approval in cp.where(APPROVALS, PORTAL, id):
            cp.delete(APPROVALS, approval["id"])
        cp.delete(PORTAL_SETTINGS, id)


class LoginOptions(PortalCollection):
    name, kind = PORTAL_LOGIN_OPTIONS, "developer login option"
    unsupported = frozenset({"patch"})
    actions = crud_actions("DeveloperLoginOption", (PORTAL,), patch=False, prefix="portal")

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        body = check(LOGIN_OPTION, conf, read_only_ok=True)
        return {"enabled": True, **body}


def settings_of(api: Api, portal: str) -> dict[str, Any]:
    return api.cp.get(PORTAL_SETTINGS, portal) or {
        "portal_public_access": False,
        "scim_provisioning": {"enabled": False},
    }


def builtin_login_enabled(api: Api, portal: str) -> bool:
    """Sign-up is open unless every builtin login option of the portal is disabled."""
    options = api.cp.all(PORTAL_LOGIN_OPTIONS, portal)
    return not options or any(o.get("enabled", True) for o in options)


def _settings_call(api: Api, call: Call) -> tuple[str, dict[str, Any]]:
    portal = portal_id(call.args)
    portal_or_404(api.cp, portal)
    return portal, settings_of(api, portal)


def get_public_access(api: Api, call: Call) -> tuple[int, Any]:
    _, settings = _settings_call(api, call)
    return 200, value({"portal_public_access": settings["portal_public_access"]})


def put_public_access(api: Api, call: Call) -> tuple[int, Any]:
    portal, settings = _settings_call(api, call)
    body = check(PUBLIC_ACCESS, call.obj())
    api.cp.put(PORTAL_SETTINGS, {**settings, **body}, portal)
    return 200, value(body)


def get_scim(api: Api, call: Call) -> tuple[int, Any]:
    _, settings = _settings_call(api, call)
    return 200, value(settings["scim_provisioning"])


def put_scim(api: Api, call: Call) -> tuple[int, Any]:
    portal, settings = _settings_call(api, call)
    body = call.obj()
    if body.get("enabled") is True:
        raise ApiError(400, "invalid request body: SCIM provisioning of developers is not served")
    body = check(SCIM, body)
    api.cp.put(PORTAL_SETTINGS, {**settings, "scim_provisioning": body}, portal)
    return 200, value(body)


PUBLIC_ACCESS_PATH = "/portal_settings/public_access"
SCIM_PATH = "/portal_settings/scim_provisioning"


ROUTES = [
    *api_routes(Portals(), "portal_id"),
    *portal_routes(LoginOptions(), "login_option_id"),
    API(
        "GET",
        PUBLIC_ACCESS_PATH,
        get_public_access,
        "portal:GetDeveloperPortalPublicAccess",
        "portal_id",
    ),
    API(
        "PUT",
        PUBLIC_ACCESS_PATH,
        put_public_access,
        "portal:UpdateDeveloperPortalPublicAccess",
        "portal_id",
    ),
    API("GET", SCIM_PATH, get_scim, "portal:GetDeveloperSCIMProvisioning", "portal_id"),
    API("PUT", SCIM_PATH, put_scim, "portal:UpdateDeveloperSCIMProvisioning", "portal_id"),
]
