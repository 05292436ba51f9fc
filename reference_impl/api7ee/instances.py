"""Gateway instances: the data planes the control plane runs for its gateway groups.

`GET /api/gateway_groups/{gateway_group_id}/instances` and `GET /api/instances` (all groups,
or `?gateway_group_id=`) with status, compatibility and search filters, ordering and pages;
`GET /api/instances/count/status?gateway_group_id=` (instances per status);
`DELETE /api/gateway_groups/{gateway_group_id}/instances/{gateway_instance_id}`.

The reference runs each group's data plane itself, so there are no heartbeats: a running
instance is Healthy with its last heartbeat now; one whose process is not running is Offline
and its last heartbeat is when it started (its group's creation). Only an Offline instance
may be deleted; it then stays out of the lists until it runs again.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams

from ..api.errors import ApiError, not_found
from ..api.listing import list_answer
from ..proxy.wire import SERVER_TOKEN
from .context import API, Api, Call
from .cpstore import DELETED_INSTANCES

STATUSES = ("Healthy", "OutOfSync", "LostConnection", "Offline")
COMPATIBILITIES = ("Compatible", "Incompatible", "PartiallyCompatible")
COUNT_FIELDS = ("status",)
SEARCH_FIELDS = ("id", "hostname", "ip", "version")
ORDER_FIELDS = ("created_at", "last_heartbeat_time")
VERSION = SERVER_TOKEN.decode().partition("/")[2]


def of_group(api: Api, group_id: str) -> list[dict[str, Any]]:
    """The instances of a gateway group, as the API shows them."""
    group = api.cp.group(group_id)
    if group is None:
        return []
    deleted = {d["id"] for d in api.cp.all(DELETED_INSTANCES, group_id)}
    started = group.get("created_at", 0)
    now = api.cp.clock()
    shown = []
    for instance in api.planes.instances(group_id):
        offline = instance["status"] == "Offline"
        if offline and instance["id"] in deleted:
            continue
        shown.append(
            {
                **instance,
                "version": VERSION,
                "compatibility": "Compatible",
                "created_at": started,
                "last_heartbeat_time": started if offline else now,
            }
        )
    return shown


def list_group_instances(api: Api, call: Call) -> tuple[int, Any]:
    group = api.group_or_404(call.params["gateway_group_id"])
    return 200, _listing(call, of_group(api, group["id"]))


def list_all_instances(api: Api, call: Call) -> tuple[int, Any]:
    group_id = call.args.get("gateway_group_id")
    if group_id is not None:
        groups = [api.group_or_404(group_id)["id"]]
    else:
        api.cp.ensure_default_group()
        groups = [g["id"] for g in api.cp.groups()]
    return 200, _listing(call, [i for g in groups for i in of_group(api, g)])


def count_instances(api: Api, call: Call) -> tuple[int, Any]:
    field = call.params["field"]
    if field not in COUNT_FIELDS:
        raise ApiError(400, f"invalid field {field!r}: instances are counted by status only")
    group_id = call.args.get("gateway_group_id")
    if not group_id:
        raise ApiError(400, "missing query parameter gateway_group_id")
    rows = _searched(call.args.get("search"), of_group(api, api.group_or_404(group_id)["id"]))
    counts = [{"key": s, "count": sum(r["status"] == s for r in rows)} for s in STATUSES]
    return 200, {"value": counts}


def delete_instance(api: Api, call: Call) -> tuple[int, Any]:
    group = api.group_or_404(call.params["gateway_group_id"])
    instance_id = call.params["gateway_instance_id"]
    instance = next((i for i in of_group(api, group["id"]) if i["id"] == instance_id), None)
    if instance is None:
        raise not_found(f"gateway instance {instance_id}")
    if instance["status"] != "Offline":
        raise ApiError(
            400,
            f"gateway instance {instance_id} is {instance['status']}: only an Offline instance "
            "can be deleted; stop it first",
        )
    record = {"id": instance_id, "deleted_at": api.cp.clock()}
    api.cp.put(DELETED_INSTANCES, record, group["id"], instance_id)
    return 200, None


def _listing(call: Call, rows: list[dict[str, Any]]) -> dict[str, Any]:
    for name, allowed in (("status", STATUSES), ("compatibility", COMPATIBILITIES)):
        wanted = call.args.get(name)
        if wanted is None:
            continue
        if wanted not in allowed:
            raise ApiError(
                400, f"invalid query parameter {name}: must be one of {', '.join(allowed)}"
            )
        rows = [r for r in rows if r.get(name) == wanted]
    rows = _searched(call.args.get("search"), rows)
    # the search is applied above (it understands `field=value`), not again by the listing
    args = QueryParams([(k, v) for k, v in call.args.multi_items() if k != "search"])
    return list_answer(rows, args, order_fields=ORDER_FIELDS, default_order="last_heartbeat_time")


def _searched(search: str | None, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows matching `search`: `field=value` (a substring of that field, e.g. `version=3`)
    or a bare word (a substring of the id, hostname, ip or version)."""
    if not search:
        return rows
    field, sep, needle = search.partition("=")
    fields = (field,) if sep and field in SEARCH_FIELDS else SEARCH_FIELDS
    needle = needle if sep and field in SEARCH_FIELDS else search
    needle = needle.lower()
    return [r for r in rows if any(needle in str(r.get(f) or "").lower() for f in fields)]


GG = "/gateway_groups/{gateway_group_id}"
GET = "gateway:GetGatewayInstance"
ROUTES = [
    API("GET", f"{GG}/instances", list_group_instances, GET, "gateway_group_id"),
    API(
        "DELETE",
        f"{GG}/instances/{{gateway_instance_id}}",
        delete_instance,
        "gateway:DeleteGatewayInstance",
        "gateway_group_id",
    ),
    API("GET", "/instances", list_all_instances, GET, "*"),
    API("GET", "/instances/count/{field}", count_instances, GET, "gateway_group_id"),
]
