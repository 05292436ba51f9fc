"""Deployment settings and what the dashboard says about itself:
`GET`/`PUT /api/system_settings` (3.2.14 path; the 3.9.9 fields `dp_manager_address`,
`source`, `admin_api_address`, `file_server_address`, and 3.2.14's `control_plane_address`),
`GET /api/system_infos` and `GET /api/version` (paths inferred).

The DP manager address is where gateway instances reach the control plane: the install
scripts name it. Until it is set it is this admin port's own address."""

from __future__ import annotations

import uuid
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from ..api.errors import ApiError
from . import license
from .context import API, Api, Call
from .schemas import check

SETTINGS = "settings"
DEPLOYMENT = "deployment"
SYSTEM = "system"
ADDRESS = {"type": "string", "minLength": 1, "maxLength": 1024, "pattern": r"^https?://[^/]+[^/]$"}
ADDRESSES = {"type": "array", "maxItems": 32, "uniqueItems": True, "items": ADDRESS}
DEPLOYMENT_SETTINGS = {
    "type": "object",
    "properties": {
        "dp_manager_address": ADDRESSES,
        "control_plane_address": ADDRESSES,
        "source": {"type": "string", "enum": ["database", "config"]},
        "admin_api_address": ADDRESS,
        "file_server_address": ADDRESS,
    },
    "additionalProperties": False,
}


def dashboard_version() -> str:
    try:
        return version("gwconform")
    except PackageNotFoundError:
        return "dev"


def own_address(api: Api) -> str:
    listen = api.config.admin_listen
    host = "127.0.0.1" if listen.ip in ("0.0.0.0", "::") else listen.ip
    return f"http://{host}:{listen.port}"


def deployment(api: Api) -> dict[str, Any]:
    stored = api.cp.get(SETTINGS, DEPLOYMENT) or {}
    addresses = stored.get("dp_manager_address") or [own_address(api)]
    return {
        "source": "database",
        "admin_api_address": own_address(api),
        **stored,
        "dp_manager_address": addresses,
        "control_plane_address": addresses,
    }


def get_deployment(api: Api, call: Call) -> tuple[int, Any]:
    return 200, {"value": deployment(api)}


def put_deployment(api: Api, call: Call) -> tuple[int, Any]:
    body = check(DEPLOYMENT_SETTINGS, call.obj())
    both = [body.get(k) for k in ("dp_manager_address", "control_plane_address") if k in body]
    if len(both) == 2 and both[0] != both[1]:
        raise ApiError(
            400,
            "invalid request body: dp_manager_address and control_plane_address name the same "
            "addresses; give one of them",
        )
    stored = {k: v for k, v in body.items() if k != "control_plane_address"}
    if both:
        stored["dp_manager_address"] = both[0]
    api.cp.put(SETTINGS, {**stored, "updated_at": api.cp.clock()}, DEPLOYMENT)
    return 200, {"value": deployment(api)}


def _system(api: Api) -> dict[str, Any]:
    """The deployment's id and time, fixed by the first call."""
    found = api.cp.get(SETTINGS, SYSTEM)
    if found is None:
        api.cp.create(
            SETTINGS, {"deployment_id": str(uuid.uuid4()), "deployed_at": api.cp.clock()}, SYSTEM
        )
        found = api.cp.get(SETTINGS, SYSTEM)
    assert found is not None
    return found


def system_infos(api: Api, call: Call) -> tuple[int, Any]:
    return 200, {
        "value": {
            "version": dashboard_version(),
            **_system(api),
            "license_state": license.state(api),
        }
    }


def get_version(api: Api, call: Call) -> tuple[int, Any]:
    return 200, {"value": dashboard_version()}


ROUTES = [
    API("GET", "/system_settings", get_deployment, None),
    API("PUT", "/system_settings", put_deployment, "gateway:UpdateDeploymentSetting"),
    API("GET", "/system_infos", system_infos, None),
    API("GET", "/version", get_version, None),
]
