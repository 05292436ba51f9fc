"""API products (`/api/api_products?portal_id=`): published services of gateway groups
shown on a portal with one authentication method. A published product puts that method's
plugin on every service it links (`auth.py`, through the published service's rendering)."""

from __future__ import annotations

from typing import Any

from ...api.actions import crud_actions
from ...api.context import CollectionRequest, Context
from ...api.errors import ApiError
from .. import published
from ..cpstore import PUBLISHED, VERSIONS
from ..group_collections import control_plane, control_store
from ..schemas import ID, LABELS, check
from . import auth, subscriptions
from .kinds import API_PRODUCTS, DCR_PROVIDERS
from .scope import PORTAL, PortalCollection, portal_routes

AUTH: dict[str, Any] = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,  # the reference serves one method per product (no multi-auth)
    "properties": {
        "key-auth": {"type": "object", "additionalProperties": False},
        "basic-auth": {"type": "object", "additionalProperties": False},
        "dcr": {
            "type": "object",
            "required": ["dcr_provider_id"],
            "properties": {"dcr_provider_id": ID},
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}
LINK: dict[str, Any] = {
    "type": "object",
    "required": ["gateway_group_id", "service_id"],
    "properties": {
        "gateway_group_id": ID,
        "service_id": ID,
        "linked_hosts": {"type": "array", "items": {"type": "string", "minLength": 1}},
    },
    "additionalProperties": False,
}
PRODUCT: dict[str, Any] = {
    "type": "object",
    "required": ["name", "auth", "linked_gateway_services"],
    "properties": {
        "type": {"type": "string", "enum": ["gateway"], "default": "gateway"},
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "logo": {"type": "string"},
        "desc": {"type": "string"},
        "labels": LABELS,
        "auth": AUTH,
        "linked_gateway_services": {"type": "array", "minItems": 1, "items": LINK},
        "status": {"type": "string", "enum": ["draft", "published"], "default": "draft"},
        "subscription_auto_approval": {"type": "boolean", "default": False},
        "can_view_unsubscribed": {"type": "boolean", "default": True},
        "visibility": {"type": "string", "enum": ["public", "logged_in"], "default": "public"},
    },
    "additionalProperties": False,
}
DEFAULTS = {
    "type": "gateway",
    "status": "draft",
    "subscription_auto_approval": False,
    "can_view_unsubscribed": True,
    "visibility": "public",
}
WRITABLE = tuple(PRODUCT["properties"])


class ApiProducts(PortalCollection):
    name, kind = API_PRODUCTS, "API product"
    actions = crud_actions("APIProduct", (PORTAL,), item_arg="api_product_id", prefix="portal")
    item_pattern = "{api_product_id}"

    def check_conf(self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest) -> dict:
        conf = {k: v for k, v in conf.items() if k != PORTAL}  # the query names the portal
        body = {**DEFAULTS, **check(PRODUCT, conf, read_only_ok=True), PORTAL: req.parent}
        cp = control_store(ctx)
        for link in body["linked_gateway_services"]:
            group, service = link["gateway_group_id"], link["service_id"]
            if cp.get(PUBLISHED, group, service) is None:
                raise ApiError(
                    404, f"published service {service} not found on gateway group {group}"
                )
        dcr = body["auth"].get("dcr")
        if dcr and cp.get(DCR_PROVIDERS, dcr["dcr_provider_id"]) is None:
            raise ApiError(400, f"invalid auth: DCR provider {dcr['dcr_provider_id']} not found")
        old = cp.get(API_PRODUCTS, str(req.parent), id) if id else None
        changed = old is not None and (
            old["auth"] != body["auth"] or auth.links(old) != auth.links(body)
        )
        if changed and subscriptions.approved_of(cp, old or {}):
            raise ApiError(
                400,
                "the API product has approved subscriptions: cancel them before changing "
                "its auth or linked services",
            )
        return body

    def editable(self, ctx: Context, value: dict[str, Any]) -> dict[str, Any]:
        return {k: value[k] for k in WRITABLE if k in value}

    def narrow(
        self, ctx: Context, req: CollectionRequest, rows: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        service = req.args.get("service_id")
        if service:
            rows = [r for r in rows if any(s == service for _, s in auth.links(r))]
        return rows

    def commit(
        self, ctx: Context, req: CollectionRequest, key: str, value: dict, rev: int | None
    ) -> None:
        cp = control_store(ctx)
        auth.check_shared(cp, value)
        old = ctx.store.get(key)
        before = auth.links(old.value) if old is not None else set()
        super().commit(ctx, req, key, value, rev)
        rerender(ctx, before | auth.links(value))

    def delete(self, ctx: Context, req: CollectionRequest) -> Any:
        id, _ = self.locate(req)
        product = control_store(ctx).get(API_PRODUCTS, str(req.parent), id) if id else None
        answer = super().delete(ctx, req)
        if product is not None:
            ended(ctx, product)
        return answer


def ended(ctx: Context, product: dict[str, Any]) -> None:
    """A deleted product's subscriptions end and its services lose its authentication."""
    subscriptions.close_all(control_plane(ctx), product)
    rerender(ctx, auth.links(product))


def remove_all(ctx: Context, portal: str) -> None:
    """Delete every API product of a portal (the portal is being deleted)."""
    cp = control_store(ctx)
    for product in cp.all(API_PRODUCTS, portal):
        cp.delete(API_PRODUCTS, portal, product["id"])
        ended(ctx, product)


def rerender(ctx: Context, links: set[tuple[str, str]]) -> None:
    """Render the published services again with the products' authentication."""
    api = control_plane(ctx)
    for group, service in sorted(links):
        record = api.cp.get(PUBLISHED, group, service)
        version = api.cp.get(VERSIONS, record["service_version_id"]) if record else None
        if record is not None and version is not None:
            published.rerender(api, record, version)


ROUTES = portal_routes(ApiProducts(), "api_product_id")
