"""Service versions: `/api/service_versions/{id}` and the route snapshots inside one. A
version is immutable: it is created by publishing and never changes afterwards."""

from __future__ import annotations

from typing import Any

from ..api.errors import ApiError, not_found
from .context import API, Api, Call
from .cpstore import VERSIONS
from .web import value

VERSION = "/service_versions/{service_version_id}"
GET = "gateway:GetServiceTemplate"  # a version is read as its service template


def version_or_404(api: Api, version_id: str) -> dict[str, Any]:
    version = api.cp.get(VERSIONS, version_id)
    if version is None:
        raise not_found(f"service version {version_id}")
    return version


def get_version(api: Api, call: Call) -> tuple[int, Any]:
    return 200, value(version_or_404(api, call.params["service_version_id"]))


def immutable(api: Api, call: Call) -> tuple[int, Any]:
    version_or_404(api, call.params["service_version_id"])
    raise ApiError(405, "service versions are immutable; publish a new version instead")


def snapshot_handlers(kind: str, id_param: str) -> list[tuple[str, str, Any]]:
    def list_snapshots(api: Api, call: Call) -> tuple[int, Any]:
        version = version_or_404(api, call.params["service_version_id"])
        rows = [
            {**r, "created_at": version["created_at"], "updated_at": version["created_at"]}
            for r in version.get(kind, [])
        ]
        return 200, call.listing(rows)

    def get_snapshot(api: Api, call: Call) -> tuple[int, Any]:
        version = version_or_404(api, call.params["service_version_id"])
        for route in version.get(kind, []):
            if route["id"] == call.params[id_param]:
                return 200, value(route)
        raise not_found(
            f"{kind[:-1].replace('_', ' ')} {call.params[id_param]} of service version {version['id']}"
        )

    return [
        API("GET", f"{VERSION}/{kind}", list_snapshots, GET, "service_id"),
        API("GET", f"{VERSION}/{kind}/{{{id_param}}}", get_snapshot, GET, "service_id"),
    ]


ROUTES = [
    # versions are immutable (405), but every served endpoint has an action
    *API.same(
        [
            ("GET", VERSION, get_version),
            ("PUT", VERSION, immutable),
            ("PATCH", VERSION, immutable),
            ("DELETE", VERSION, immutable),
        ],
        GET,
        "gateway:UpdateServiceTemplate",
        "service_id",
    ),
    *snapshot_handlers("routes", "route_version_id"),
    *snapshot_handlers("stream_routes", "stream_route_version_id"),
]
