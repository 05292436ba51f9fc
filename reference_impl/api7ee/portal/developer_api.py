"""The developer portal backend a portal front-end calls (API7 serves it apart from the
dashboard, on its own port; the reference serves it on the admin port under `PREFIX`).

Every call carries a portal token (`Authorization: Bearer a7prt-...`), which names the
portal; calls on a developer's behalf name it with `X-Portal-Developer-ID`. Sign-up
(`POST /api/developers`) and applications (`/api/applications[/{id}]`) are the paths of
API7's 3.9 documentation; listing API products, subscribing, the credentials of an
application's subscriptions and attaching files are paths chosen here (inferred)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...api.endpoint import (
    BodyStyle,
    failure_response,
    http_error,
    in_worker,
    json_response,
    read_body,
)
from ...api.errors import ApiError
from ...api.listing import list_answer
from ...store import StoreError
from ..context import Api
from ..schemas import LABELS, check
from ..web import value
from . import developers, files, subscriptions, tokens
from .instances import builtin_login_enabled, settings_of
from .kinds import API_PRODUCTS, APPLICATIONS, DEVELOPERS, SUBSCRIPTIONS

PREFIX = "/developer_portal"
DEVELOPER_HEADER = "x-portal-developer-id"
STYLE = BodyStyle(max_body=1024 * 1024)
APPLICATION: dict[str, Any] = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "desc": {"type": "string", "maxLength": 65536},
        "labels": LABELS,
    },
    "additionalProperties": False,
}
SUBSCRIBE: dict[str, Any] = {
    "type": "object",
    "required": ["api_product_id"],
    "properties": {
        "api_product_id": {"type": "string", "minLength": 1},
        "file_ids": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": False,
}


@dataclass
class PortalCall:
    api: Api
    portal: str
    developer_id: str | None
    params: dict[str, str]
    args: Any
    body: Any = None
    raw: bytes = b""
    extra: dict[str, Any] = field(default_factory=dict)

    def developer(self, active: bool = True) -> dict[str, Any]:
        if not self.developer_id:
            raise ApiError(401, "the X-Portal-Developer-ID header is required")
        found = self.api.cp.get(DEVELOPERS, self.portal, self.developer_id)
        if found is None:
            raise ApiError(401, f"developer {self.developer_id} is not a developer of the portal")
        if active and found.get("state") != "Active":
            raise ApiError(403, f"developer {self.developer_id} is {found.get('state')}")
        return found

    def application(self) -> dict[str, Any]:
        developer = self.developer()
        app_id = self.params["application_id"]
        found = self.api.cp.get(APPLICATIONS, self.portal, developer["developer_id"], app_id)
        if found is None:
            raise ApiError(404, f"application {app_id} not found")
        return found


Handler = Callable[[PortalCall], tuple[int, Any]]


def sign_up(call: PortalCall) -> tuple[int, Any]:
    if not builtin_login_enabled(call.api, call.portal):
        raise ApiError(403, "sign-up is disabled: the portal has no enabled builtin login")
    return 200, value(developers.create(call.api, call.portal, call.body, "Active"))


def _visible(call: PortalCall) -> list[dict[str, Any]]:
    if call.developer_id:
        call.developer(active=False)
        wanted: tuple[str, ...] = ("public", "logged_in")
    elif settings_of(call.api, call.portal)["portal_public_access"]:
        wanted = ("public",)
    else:
        raise ApiError(401, "the portal is not public: identify the developer")
    return [
        p
        for p in call.api.cp.all(API_PRODUCTS, call.portal)
        if p["status"] == "published" and p["visibility"] in wanted
    ]


def _product_view(product: dict[str, Any]) -> dict[str, Any]:
    shown = ("id", "name", "desc", "logo", "labels", "visibility", "created_at", "updated_at")
    return {
        **{k: product[k] for k in shown if k in product},
        "auth_methods": list(product["auth"]),
        "subscription_auto_approval": product["subscription_auto_approval"],
    }


def list_products(call: PortalCall) -> tuple[int, Any]:
    return 200, list_answer([_product_view(p) for p in _visible(call)], call.args)


def get_product(call: PortalCall) -> tuple[int, Any]:
    for product in _visible(call):
        if product["id"] == call.params["api_product_id"]:
            return 200, value(_product_view(product))
    raise ApiError(404, f"API product {call.params['api_product_id']} not found")


def create_application(call: PortalCall) -> tuple[int, Any]:
    developer = call.developer()
    body = check(APPLICATION, call.body)
    now = call.api.cp.clock()
    app = {"id": call.api.cp.new_id(), **body, "created_at": now, "updated_at": now}
    call.api.cp.put(APPLICATIONS, app, call.portal, developer["developer_id"], app["id"])
    return 200, value(app)


def list_applications(call: PortalCall) -> tuple[int, Any]:
    developer = call.developer()
    rows = call.api.cp.all(APPLICATIONS, call.portal, developer["developer_id"])
    return 200, list_answer(rows, call.args)


def get_application(call: PortalCall) -> tuple[int, Any]:
    return 200, value(call.application())


def delete_application(call: PortalCall) -> tuple[int, Any]:
    app = call.application()
    for subscription in _subscriptions_of(call, app):
        if subscription["status"] in ("pending", "approved"):
            product = call.api.cp.get(API_PRODUCTS, call.portal, subscription["api_product_id"])
            subscriptions.end(call.api, subscription, product)
    call.api.cp.delete(APPLICATIONS, call.portal, str(call.developer_id), app["id"])
    return 200, value({})


def _subscriptions_of(call: PortalCall, app: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s for s in call.api.cp.all(SUBSCRIPTIONS, call.portal) if s["application_id"] == app["id"]
    ]


def subscribe(call: PortalCall) -> tuple[int, Any]:
    app = call.application()
    body = check(SUBSCRIBE, call.body)
    product = next((p for p in _visible(call) if p["id"] == body["api_product_id"]), None)
    if product is None:
        raise ApiError(404, f"API product {body['api_product_id']} not found")
    file_ids = files.check_files(call.api, body.get("file_ids"))
    subscription = subscriptions.request(call.api, product, call.developer(), app, file_ids)
    return 200, value(subscriptions.provider_view(subscription))


def list_subscriptions(call: PortalCall) -> tuple[int, Any]:
    rows = [subscriptions.provider_view(s) for s in _subscriptions_of(call, call.application())]
    return 200, list_answer(rows, call.args, default_order="subscribed_at",
                            order_fields=("subscribed_at",))  # fmt: skip


def unsubscribe(call: PortalCall) -> tuple[int, Any]:
    app = call.application()
    sub_id = call.params["subscription_id"]
    for subscription in _subscriptions_of(call, app):
        if subscription["id"] == sub_id and subscription["status"] in ("pending", "approved"):
            product = call.api.cp.get(API_PRODUCTS, call.portal, subscription["api_product_id"])
            subscriptions.end(call.api, subscription, product)
            return 200, value({})
    raise ApiError(404, f"subscription {sub_id} not found")


def credentials(call: PortalCall) -> tuple[int, Any]:
    rows = [
        {
            "id": s["id"],
            "subscription_id": s["id"],
            "api_product_id": s["api_product_id"],
            "updated_at": s["updated_at"],
            **s["credential"],
        }
        for s in _subscriptions_of(call, call.application())
        if s["status"] == "approved"
    ]
    return 200, list_answer(rows, call.args, order_fields=("updated_at",))


def upload(call: PortalCall) -> tuple[int, Any]:
    call.developer()
    return 200, value(files.store_file(call.api, call.args.get("name"), call.raw))


APP = "/api/applications/{application_id}"
ROUTES: list[tuple[str, str, Handler]] = [
    ("POST", "/api/developers", sign_up),
    ("GET", "/api/api_products", list_products),
    ("GET", "/api/api_products/{api_product_id}", get_product),
    ("POST", "/api/files", upload),
    ("POST", "/api/applications", create_application),
    ("GET", "/api/applications", list_applications),
    ("GET", APP, get_application),
    ("DELETE", APP, delete_application),
    ("POST", f"{APP}/subscriptions", subscribe),
    ("GET", f"{APP}/subscriptions", list_subscriptions),
    ("DELETE", f"{APP}/subscriptions/{{subscription_id}}", unsubscribe),
    ("GET", f"{APP}/credentials", credentials),
]


def create_developer_portal_app(api: Api) -> Starlette:
    routes = [Route(path, _endpoint(api, handler), methods=[m]) for m, path, handler in ROUTES]
    return Starlette(routes=routes, exception_handlers={HTTPException: http_error})


def _endpoint(api: Api, handler: Handler) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        try:
            portal = await in_worker(None, _portal_of, api, request.headers)
            raw, body = b"", None
            if handler is upload:
                raw = await files.read_raw(request)
            else:
                body = await read_body(request, STYLE)
            call = PortalCall(
                api,
                portal,
                request.headers.get(DEVELOPER_HEADER),
                dict(request.path_params),
                request.query_params,
                body,
                raw,
            )
            lock = None if request.method == "GET" else api.cp.lock
            status, payload = await in_worker(lock, handler, call)
        except (ApiError, StoreError) as exc:
            return failure_response(STYLE, exc)
        return json_response(status, payload)

    return endpoint


def _portal_of(api: Api, headers: Any) -> str:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    portal = None
    if scheme.lower() == "bearer" and token:
        portal = tokens.portal_of_token(api, token.strip(), api.cp.clock())
    if portal is None:
        raise ApiError(401, "a valid portal token is required (Authorization: Bearer a7prt-...)")
    return portal
