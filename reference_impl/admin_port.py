"""The admin port, assembled in one place: one `deployment.admin.allow_admin` check
(`AllowAdmin`), one identification of the caller (`Identify`, a `reference_impl.caller.Caller`
in the request scope), then by path the API7 Cloud API (`/api/v1`), the API7 Enterprise
control plane (`/api`) and the APISIX Admin API (`/apisix/admin`, per gateway group), the
latter two behind IAM. Each API authorizes from the caller; none identifies it again."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import replace

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from .admin.app import create_app
from .admin.auth import Network, admin_roles, parse_networks
from .api.endpoint import http_error
from .api7ee import GatewayGroupAdmin, create_api7ee_app
from .api7ee.context import Api
from .api7ee.dataplanes import GroupDataPlanes
from .api7ee.gateway_groups import admin_key_owner
from .api7ee.portal.developer_api import PREFIX as DEVELOPER_PORTAL_PREFIX
from .api7ee.portal.developer_api import create_developer_portal_app
from .caller import SCOPE_KEY, Caller, admin_key_caller
from .cloud import create_cloud_app
from .cloud.auth import CloudTokens
from .config import GatewayConfig
from .iam import IamMiddleware, IamService, create_iam_app, credentials
from .iam.principal import Principal
from .prefix_dispatch import PrefixDispatcher
from .store import Store

CLOUD_PREFIX = "/api/v1"
API7_PREFIX = "/api"
APISIX_PREFIX = "/apisix/admin"


class AllowAdmin:
    """`deployment.admin.allow_admin` for the whole admin port, whatever API a request is
    for: a client outside every listed network gets 403 before any API sees the request, as
    APISIX's `allow ...; deny all;` on its admin server. An empty list lets everyone in."""

    def __init__(self, app: ASGIApp, allow_admin: list[str]) -> None:
        self.app = app
        self.networks: list[Network] = parse_networks(allow_admin)

    def allows(self, host: str) -> bool:
        if not self.networks:
            return True
        try:
            addr = ipaddress.ip_address(host)
        except ValueError:
            return False
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
            addr = addr.ipv4_mapped
        return any(addr in network for network in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = (scope.get("client") or ("", 0))[0]
        if self.allows(host):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # answered 403 before accept
            return
        body = json.dumps({"error_msg": f"access from {host or 'unknown'} is not allowed"}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 403, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class Identify:
    """Who calls, identified once for whichever API the path is for, with the credentials
    that API accepts: the Cloud API's bearer token; IAM's API token, basic auth or session
    (on `/api`, and on `/apisix/admin` when the request carries them); the gateway's admin
    keys and the gateway groups' admin keys by APISIX's rule (`admin_key_caller`)."""

    def __init__(self, app: ASGIApp, config: GatewayConfig, iam: IamService, api: Api) -> None:
        self.app = app
        self.iam = iam
        self.api = api
        self.roles = admin_roles(config)
        admin_keys = [k.key for k in config.admin_keys if k.role == "admin"]
        # the gateway admin key a caller identified otherwise (by IAM, by a gateway group's
        # admin key) acts with on the APISIX Admin API and API7
        self.acting_key = admin_keys[0] if admin_keys else None
        self.cloud_tokens = CloudTokens(config)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, SCOPE_KEY: await self.identify(scope)}
        await self.app(scope, receive, send)

    async def identify(self, scope: Scope) -> Caller:
        path = scope["path"]
        request = Request(scope)
        if _under(path, CLOUD_PREFIX):
            refusal = self.cloud_tokens.refusal(request.headers.get("authorization"))
            return Caller(cloud_error=refusal)
        headers = credentials.headers_of(scope)
        iam = None
        if _under(path, API7_PREFIX) or (
            path.startswith(APISIX_PREFIX) and credentials.carries_iam_credentials(headers)
        ):
            iam = await run_in_threadpool(credentials.identify, self.iam, headers)
        key = request.headers.get("x-api-key")
        if isinstance(iam, Principal):
            key = self.acting_key or key
        elif iam is not None:  # IAM refuses the request before anything else sees it
            return Caller(iam_error=iam)
        group = None
        if path.startswith(APISIX_PREFIX) and key and key not in self.roles:
            group = admin_key_owner(self.api, key)
            if group is not None:
                key = self.acting_key
        return replace(admin_key_caller(request, self.roles, key), group=group, iam=iam)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def create_admin_port(
    config: GatewayConfig, store: Store, *, launch_data_planes: bool = True
) -> tuple[Starlette, GroupDataPlanes]:
    """The ASGI app (its `state.api7ee` is the API7 control plane), and the gateway groups'
    data planes (`sync()` at start, `stop_all()` at shutdown)."""
    api7 = create_api7ee_app(config, store, launch_data_planes=launch_data_planes)
    api: Api = api7.state.api7ee
    apisix = GatewayGroupAdmin(create_app(config, store), api, api7.state.compat)
    iam = create_iam_app(config, store)
    control_plane = Starlette(exception_handlers={HTTPException: http_error})
    # no routes: every request goes to the default, the one prefix test for both APIs
    control_plane.router.default = PrefixDispatcher(api7, apisix, API7_PREFIX)
    control_plane.add_middleware(IamMiddleware, iam_app=iam)
    # the developer portal backend authenticates its own callers (portal tokens)
    dashboard = PrefixDispatcher(
        create_developer_portal_app(api), control_plane, DEVELOPER_PORTAL_PREFIX
    )
    identify = Middleware(Identify, config=config, iam=iam.state.iam, api=api)
    # allow_admin first: one check for everything the port serves
    port = Starlette(middleware=[Middleware(AllowAdmin, allow_admin=config.allow_admin), identify])
    # the Cloud API is outside the rest so the API7 `/api` dispatcher and IAM never see
    # `/api/v1` paths
    port.router.default = PrefixDispatcher(create_cloud_app(config, store), dashboard, CLOUD_PREFIX)
    port.state.api7ee = api
    port.state.data_planes = api.planes
    return port, api.planes
