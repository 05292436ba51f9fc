"""Everything the admin port serves: the APISIX Admin API (`/apisix/admin`), the API7
Enterprise control plane (`/api`) behind IAM, and the API7 Cloud API (`/api/v1`)."""

from __future__ import annotations

from typing import Any

from .api7ee import create_admin_port_app
from .cloud import with_cloud_api
from .config import GatewayConfig
from .iam import IamMiddleware, create_iam_app
from .store import Store


def create_admin_port(
    config: GatewayConfig, store: Store, *, launch_data_planes: bool = True
) -> tuple[Any, Any]:
    """The ASGI app, and the gateway groups' data planes (`sync()` at start, `stop_all()` at
    shutdown)."""
    control_plane = create_admin_port_app(config, store, launch_data_planes=launch_data_planes)
    control_plane.add_middleware(IamMiddleware, iam_app=create_iam_app(config, store))
    # the Cloud API is outermost so the API7 `/api` dispatcher never sees `/api/v1` paths
    return with_cloud_api(control_plane, config, store), control_plane.state.data_planes
