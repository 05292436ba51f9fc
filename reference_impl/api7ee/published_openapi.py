"""OpenAPI documents of what runs and what was published: `/api/gateway_groups/{gid}/
services/{sid}/openapi` (the published service: its version's routes under the group's
effective path prefix) and `/api/service_versions/{id}/openapi` (the immutable version).

A PUT of a published service's document replaces the service's routes on that gateway
group only. Versions are immutable and the template is not the group's to change, so it
publishes a new version: the running version's service with the document's operations as
its routes (`v<N>` named like publishing does). The group's runtime configuration of the
service and its extra upstreams stay; the old routes' runtime overrides go with the old
routes. Rolling back to the previous version brings the old routes back.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from ..api.errors import ApiError
from . import openapi_io, published, render
from .context import API, Api, Call
from .cpstore import PUBLISHED, VERSIONS
from .publishing import auto_version_name, versions_of
from .versions import version_or_404
from .web import value


def _raw(document: dict[str, Any]) -> dict[str, Any]:
    return value({"raw_openapi": json.dumps(document)})


def _document(service: dict[str, Any], routes: list[dict[str, Any]], version: str):
    info = {"title": service.get("name") or service["id"], "version": version}
    if service.get("desc"):
        info["description"] = service["desc"]
    return openapi_io.build_document([(service, routes)], info, [])


def get_published_openapi(api: Api, call: Call) -> tuple[int, Any]:
    record, version = published.published_or_404(api, call)
    service = published.service_view(record, version)
    return 200, _raw(_document(service, version.get("routes", []), record["version"]))


def get_version_openapi(api: Api, call: Call) -> tuple[int, Any]:
    version = version_or_404(api, call.params["service_version_id"])
    service = {**version["service"], "id": version["service_id"]}
    return 200, _raw(_document(service, version.get("routes", []), version["version"]))


def put_published_openapi(api: Api, call: Call) -> tuple[int, Any]:
    document = openapi_io.parse_document(openapi_io.raw_openapi(call))
    routes = openapi_io.checked_routes(openapi_io.convert(document)["routes"])
    with api.cp.lock:
        record, version = published.published_or_404(api, call)
        if version["service"].get("type", "http") != "http":
            raise ApiError(400, "a stream service has no HTTP routes to describe in OpenAPI")
        group_id, service_id = record["gateway_group_id"], record["service_id"]
        now = api.cp.clock()
        names = {v["version"] for v in versions_of(api, service_id)}
        new_version = {
            "id": api.cp.new_id(),
            "service_id": service_id,
            "version": auto_version_name(names),
            "service": copy.deepcopy(version["service"]),
            "routes": sorted(
                ({**route, "id": api.cp.new_id(), "service_id": service_id} for route in routes),
                key=lambda r: r["id"],
            ),
            "stream_routes": copy.deepcopy(version.get("stream_routes", [])),
            "created_at": now,
        }
        entry = {
            "service_version_id": new_version["id"],
            "version": new_version["version"],
            "publish_time": now,
        }
        new_record = {
            **record,
            "service_version_id": new_version["id"],
            "version": new_version["version"],
            "publish_time": now,
            "updated_at": now,
            "route_runtime": {},
            "history": [*record.get("history", []), entry],
        }
        objects = render.render(api.cp, group_id, service_id, new_version, new_record, now)
        new_record["rendered"] = render.rendered_keys(objects)
        api.cp.put(VERSIONS, new_version, new_version["id"])
        render.write(api.cp, group_id, objects, record.get("rendered"))
        api.cp.put(PUBLISHED, new_record, group_id, service_id)
    return 200, value(published.service_view(new_record, new_version))


ROUTES = [
    *API.same(
        [
            ("GET", f"{published.SERVICE}/openapi", get_published_openapi),
            ("PUT", f"{published.SERVICE}/openapi", put_published_openapi),
        ],
        published.GET,
        published.UPDATE,
        *published.SERVICE_ARGS,
    ),
    API(
        "GET",
        "/service_versions/{service_version_id}/openapi",
        get_version_openapi,
        "gateway:GetServiceTemplate",
        "service_id",
    ),
]
