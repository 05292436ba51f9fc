"""Developers of a portal (`/api/developers?portal_id=`, keyed by their external id): the
list and delete of the seed, the invitation and sign-up approval the catalog guards
(`portal:InviteDeveloper`, `portal:ApproveDeveloperSignUp`; paths inferred). Deleting a
developer ends its subscriptions (their credentials stop working) and its applications."""

from __future__ import annotations

from typing import Any

from ...api.actions import Actions, row
from ...api.context import CollectionRequest, Context
from ...api.errors import ApiError
from ..context import API, Api, Call
from ..group_collections import control_plane
from ..schemas import ID, check
from ..web import value
from . import subscriptions
from .kinds import APPLICATIONS, APPROVALS, DEVELOPERS
from .scope import PORTAL, PortalCollection, portal_id, portal_or_404, portal_routes

DEVELOPER: dict[str, Any] = {
    "type": "object",
    "required": ["developer_id"],
    "properties": {
        "developer_id": ID,
        "name": {"type": "string", "minLength": 1, "maxLength": 256},
        "email": {"type": "string", "minLength": 3, "maxLength": 255, "pattern": "^[^@\\s]+@"},
        "username": {"type": "string", "minLength": 1, "maxLength": 256},
    },
    "additionalProperties": False,
}
ITEM = "developer_external_id"


def _rows(base: str, item: str) -> list:
    return [
        row("GET", base, "portal:GetDeveloper", PORTAL, "*", lists="developer_id"),
        row("POST", base, "portal:InviteDeveloper", PORTAL),
        row("GET", f"{base}/{item}", "portal:GetDeveloper", PORTAL, ITEM),
        row("DELETE", f"{base}/{item}", "portal:DeleteDeveloper", PORTAL, ITEM),
    ]


def create(api: Api, portal: str, body: Any, state: str) -> dict[str, Any]:
    """A new developer of the portal (409 when the id is taken)."""
    fields = check(DEVELOPER, body)
    now = api.cp.clock()
    developer = {
        "id": fields["developer_id"],
        "username": fields["developer_id"],
        **fields,
        "portal_id": portal,
        "state": state,
        "provider": "builtin",
        "email_verified": False,
        "last_active_at": now,
        "created_at": now,
        "updated_at": now,
    }
    if not api.cp.create(DEVELOPERS, developer, portal, developer["developer_id"]):
        raise ApiError(409, f"developer {developer['developer_id']} already exists")
    return developer


class Developers(PortalCollection):
    name, kind = DEVELOPERS, "developer"
    unsupported = frozenset({"put", "patch"})
    actions = Actions(_rows)
    item_pattern = "{developer_external_id}"
    order_fields = ("last_active_at", "created_at")
    default_order = "last_active_at"
    search_fields = ("name", "username", "email", "developer_id")

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        return check(DEVELOPER, conf)

    def post(self, ctx: Context, req: CollectionRequest) -> Any:
        """An invitation: the developer exists, invited, until its sign-up is approved."""
        api = control_plane(ctx)
        developer = create(api, str(req.parent), ctx.dialect.body_object(req.body), "Invited")
        subscriptions.registration_approval(api, str(req.parent), developer)
        return 200, value(developer)

    def after_delete(self, ctx: Context, id: str, req: CollectionRequest) -> None:
        api, portal = control_plane(ctx), str(req.parent)
        subscriptions.close_of_developer(api, portal, id)
        for kv in api.cp.entries(APPLICATIONS, portal, id):
            api.cp.store.delete(kv.key)

    def delete(self, ctx: Context, req: CollectionRequest) -> Any:
        status, _ = super().delete(ctx, req)
        return status, value({})


def approve_sign_up(api: Api, call: Call) -> tuple[int, Any]:
    """Accept the pending registration approval of an invited developer."""
    portal = portal_id(call.args)
    portal_or_404(api.cp, portal)
    developer_id = call.params[ITEM]
    for approval in api.cp.all(APPROVALS):
        if (
            approval["event"] == "developer_registration"
            and approval["status"] == "pending"
            and (approval["portal_id"], approval["resource_id"]) == (portal, developer_id)
        ):
            call.params["approval_id"] = approval["id"]
            return subscriptions.accept(api, call)
    raise ApiError(404, f"developer {developer_id} has no pending sign-up on portal {portal}")


ROUTES = [
    *portal_routes(Developers(), ITEM),
    API(
        "POST",
        f"/developers/{{{ITEM}}}/approve",
        approve_sign_up,
        "portal:ApproveDeveloperSignUp",
        "portal_id",
    ),
]
