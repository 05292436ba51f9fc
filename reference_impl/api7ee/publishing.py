"""Publishing: `POST /api/services/publish` turns service templates into named, immutable
service versions and publishes them on a gateway group; publishing an older version
(`create_new_version: false` with its `service_version_id`) rolls back. Also the service
conflict check and the per-template views of versions."""

from __future__ import annotations

import copy
from typing import Any

from ..api.errors import ApiError, not_found
from . import render
from .conflicts import find_conflicts
from .context import API, Api, Call
from .cpstore import PUBLISHED, ROUTE_TEMPLATES, STREAM_ROUTE_TEMPLATES, TEMPLATES, VERSIONS
from .route_templates import routes_of
from .schemas import PUBLISH, check
from .templates import template_or_404
from .web import value

TEMPLATE_ONLY = ("id", "created_at", "updated_at", "last_published")
ROUTE_ONLY = ("created_at", "updated_at")


def snapshot(api: Api, template: dict[str, Any], name: str) -> dict[str, Any]:
    """A new service version: a frozen copy of the template and its routes."""

    def frozen(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rows = sorted(rows, key=lambda r: r["id"])
        return [{k: copy.deepcopy(v) for k, v in r.items() if k not in ROUTE_ONLY} for r in rows]

    return {
        "id": api.cp.new_id(),
        "service_id": template["id"],
        "version": name,
        "service": {k: copy.deepcopy(v) for k, v in template.items() if k not in TEMPLATE_ONLY},
        "routes": frozen(routes_of(api, ROUTE_TEMPLATES, template["id"])),
        "stream_routes": frozen(routes_of(api, STREAM_ROUTE_TEMPLATES, template["id"])),
        "created_at": api.cp.clock(),
    }


def versions_of(api: Api, template_id: str) -> list[dict[str, Any]]:
    return [v for v in api.cp.all(VERSIONS) if v.get("service_id") == template_id]


def auto_version_name(taken: set[str]) -> str:
    number = len(taken) + 1
    while f"v{number}" in taken:
        number += 1
    return f"v{number}"


def _choose_version(
    api: Api, item: dict[str, Any], create_new: bool | None
) -> tuple[dict[str, Any], bool]:
    """(version to publish, whether it is new) for one entry of `services`."""
    template = api.cp.get(TEMPLATES, item["service_id"])
    if template is None:
        raise not_found(f"service template {item['service_id']}")
    existing = versions_of(api, template["id"])
    if create_new is None:
        create_new = "service_version_id" not in item
    if create_new:
        names = {v["version"] for v in existing}
        name = item.get("version") or auto_version_name(names)
        if name in names:
            raise ApiError(
                409,
                f"version {name} of service template {template['id']} already exists; "
                "service versions are immutable, publish it with create_new_version false "
                "and its service_version_id, or choose a new version name",
            )
        return snapshot(api, template, name), True
    for version in existing:
        if version["id"] == item.get("service_version_id") or (
            "service_version_id" not in item and version["version"] == item.get("version")
        ):
            return version, False
    wanted = item.get("service_version_id") or item.get("version") or "(none given)"
    raise not_found(f"service version {wanted} of service template {template['id']}")


def publish(api: Api, call: Call) -> tuple[int, Any]:
    body = check(PUBLISH, call.obj())
    service_ids = [item["service_id"] for item in body["services"]]
    if len(set(service_ids)) != len(service_ids):
        raise ApiError(400, "invalid request body: a service appears twice in services")
    publish_to(api, body["gateway_group_id"], body["services"], body.get("create_new_version"))
    return 200, value({})


def publish_to(
    api: Api, group_id: str, services: list[dict[str, Any]], create_new_version: bool | None
) -> None:
    """Publish each entry of `services` (`service_id`, a version) to the gateway group."""
    with api.cp.lock:
        api.group_or_404(group_id)
        now = api.cp.clock()
        plan = []
        for item in services:
            version, is_new = _choose_version(api, item, create_new_version)
            old = api.cp.get(PUBLISHED, group_id, item["service_id"]) or {}
            record = _next_record(old, group_id, version, now)
            plan.append(
                (
                    version,
                    is_new,
                    record,
                    old,
                    render.render(api.cp, group_id, item["service_id"], version, record, now),
                )
            )
        for version, is_new, record, old, objects in plan:
            if is_new:
                api.cp.put(VERSIONS, version, version["id"])
            record["rendered"] = render.rendered_keys(objects)
            render.write(api.cp, group_id, objects, old.get("rendered"))
            api.cp.put(PUBLISHED, record, group_id, record["service_id"])
            template = api.cp.get(TEMPLATES, record["service_id"])
            if template is not None:
                api.cp.put(TEMPLATES, {**template, "last_published": now}, template["id"])


def _next_record(
    old: dict[str, Any], group_id: str, version: dict[str, Any], now: int
) -> dict[str, Any]:
    entry = {
        "service_version_id": version["id"],
        "version": version["version"],
        "publish_time": now,
    }
    return {
        "gateway_group_id": group_id,
        "service_id": version["service_id"],
        "service_version_id": version["id"],
        "version": version["version"],
        "publish_time": now,
        "created_at": old.get("created_at", now),
        "updated_at": now,
        "runtime": old.get("runtime", {}),
        "route_runtime": old.get("route_runtime", {}),
        "stream_route_runtime": old.get("stream_route_runtime", {}),
        "history": [*old.get("history", []), entry],
    }


def conflict_check(api: Api, call: Call) -> tuple[int, Any]:
    body = check(PUBLISH, call.obj())
    group_id = body["gateway_group_id"]
    api.group_or_404(group_id)
    candidates = []
    for item in body["services"]:
        version, _ = _choose_version(api, item, body.get("create_new_version"))
        record = api.cp.get(PUBLISHED, group_id, item["service_id"]) or {}
        candidates.append((render.service_view(version, record), version))
    published = []
    for record in api.cp.all(PUBLISHED, group_id):
        if record["service_id"] in {item["service_id"] for item in body["services"]}:
            continue
        stored = api.cp.get(VERSIONS, record["service_version_id"])
        if stored is not None:
            published.append((render.service_view(stored, record), stored))
    return 200, value(find_conflicts(candidates, published))


def published_versions(api: Api, call: Call) -> tuple[int, Any]:
    """Where a template is published, and which version each gateway group runs."""
    template = template_or_404(api, call.params["service_template_id"])
    rows = []
    for group in api.cp.groups():
        record = api.cp.get(PUBLISHED, group["id"], template["id"])
        if record is not None:
            rows.append(
                {
                    "gateway_group_id": group["id"],
                    "gateway_group_name": group.get("name"),
                    "service_id": template["id"],
                    "service_version_id": record["service_version_id"],
                    "version": record["version"],
                    "publish_time": record["publish_time"],
                    "created_at": record["created_at"],
                    "updated_at": record["updated_at"],
                }
            )
    return 200, call.listing(rows)


def version_by_name(api: Api, call: Call) -> tuple[int, Any]:
    template = template_or_404(api, call.params["service_template_id"])
    for version in versions_of(api, template["id"]):
        if version["version"] == call.params["version"]:
            return 200, value(version)
    raise not_found(f"version {call.params['version']} of service template {template['id']}")


PUBLISH_ACTION = "gateway:PublishServices"
ROUTES = [
    API("POST", "/services/publish", publish, PUBLISH_ACTION, "gateway_group_id"),
    API("POST", "/services/conflict_check", conflict_check, PUBLISH_ACTION, "gateway_group_id"),
    API(
        "GET",
        "/services/{service_template_id}/published_services",
        published_versions,
        "gateway:GetPublishedService",
        "*",
        "service_template_id",
    ),
    API(
        "GET",
        "/services/{service_template_id}/versions/{version}",
        version_by_name,
        "gateway:GetServiceTemplate",
        "service_template_id",
    ),
]
