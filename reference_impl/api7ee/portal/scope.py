"""What the provider portal's kinds share: the portal a request names (`?portal_id=`,
"default" when absent, as the seed documents; that portal always exists) and the
collections kept per portal instance."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...api.collection import Collection, RecordCollection
from ...api.context import CollectionRequest, Context
from ...api.errors import ApiError
from ...api.routes import collection_routes
from ..context import Api, Call
from ..cpstore import ControlStore
from ..group_collections import control_store, group_context
from ..schemas import check_id
from .kinds import PORTALS

PORTAL = "portal_id"
DEFAULT_PORTAL = "default"


def portal_id(args: Any) -> str:
    """The portal a request names: `?portal_id=`, "default" without one."""
    raw = args.get(PORTAL)
    return DEFAULT_PORTAL if raw is None else check_id(raw, PORTAL)


def ensure_default_portal(cp: ControlStore) -> None:
    """The portal a request without `portal_id` names (the seed's default)."""
    with cp.lock:
        if cp.get(PORTALS, DEFAULT_PORTAL) is None:
            now = cp.clock()
            portal = {
                "id": DEFAULT_PORTAL,
                "name": "default",
                "labels": {},
                "public_url": "http://127.0.0.1",
                "created_at": now,
                "updated_at": now,
            }
            cp.create(PORTALS, portal, DEFAULT_PORTAL)


def portal_or_404(cp: ControlStore, portal: str) -> dict[str, Any]:
    found = cp.get(PORTALS, portal)
    if found is None and portal == DEFAULT_PORTAL:  # the store was down at start-up
        ensure_default_portal(cp)
        found = cp.get(PORTALS, portal)
    if found is None:
        raise ApiError(404, f"portal {portal} not found")
    return found


class PortalCollection(RecordCollection):
    """A kind kept per portal instance: `/{name}/{portal id}/{id}`; every request needs
    the portal to exist."""

    def handle(self, method: str, ctx: Context, req: CollectionRequest) -> Any:
        portal_or_404(control_store(ctx), str(req.parent))
        return super().handle(method, ctx, req)

    def dir_path(self, req: CollectionRequest) -> str:
        return f"/{self.name}/{req.parent}"

    def missing(self, id: str, req: CollectionRequest) -> str:
        return f"{self.kind} {id} not found on portal {req.parent}"


def portal_routes(coll: Collection, id_param: str) -> list[tuple[str, str, Any]]:
    """The endpoints of a per-portal kind under `/api`, scoped by `?portal_id=`."""
    rows = collection_routes(coll, id_param, group_context, "/api", PORTAL)
    return [(method, path, _with_portal(handler)) for method, path, handler in rows]


def api_routes(coll: Collection, id_param: str) -> list[tuple[str, str, Any]]:
    return collection_routes(coll, id_param, group_context, "/api")


def _with_portal(handler: Any) -> Any:
    def scoped(api: Api, call: Call) -> Any:
        return handler(api, replace(call, params={**call.params, PORTAL: portal_id(call.args)}))

    return scoped
