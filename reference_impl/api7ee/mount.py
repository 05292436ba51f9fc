"""Everything the admin port serves, in one app: the API7 control plane at `/api` and the
APISIX Admin API at `/apisix/admin`, scoped by gateway group."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException

from ..admin.app import create_app
from ..api.endpoint import http_error
from ..config import GatewayConfig
from ..prefix_dispatch import PrefixDispatcher
from ..store import Store
from .apisix_compat import GatewayGroupAdmin
from .app import create_api7ee_app


def create_admin_port_app(
    config: GatewayConfig, store: Store, *, launch_data_planes: bool = True
) -> Starlette:
    """`state.data_planes` must be synced at start-up and stopped at shutdown (see app.py)."""
    api7 = create_api7ee_app(config, store, launch_data_planes=launch_data_planes)
    admin = GatewayGroupAdmin(create_app(config, store), api7.state.api7ee, api7.state.compat)
    app = Starlette(exception_handlers={HTTPException: http_error})
    # no routes: every request goes to the default, the one prefix test for both APIs
    app.router.default = PrefixDispatcher(api7, admin, "/api")
    app.state.data_planes = api7.state.data_planes
    app.state.api7ee = api7.state.api7ee
    return app
