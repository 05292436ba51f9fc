"""Health of a published service's upstream nodes, as its gateway group's data plane sees it:
`GET /api/gateway_groups/{gid}/services/{sid}/healthcheck[?upstream_id=]`, and the
`unhealthy_nodes` filter of the published services list.

The control plane asks the group's data plane (its Control API, `GET /v1/healthcheck...`),
as API7's control plane asks its gateways. The service's default upstream is rendered inside
the APISIX service object, so its checker is the service's (`/v1/healthcheck/services/<sid>`);
an upstream of the service (service_upstreams.py, rendered as the group's APISIX upstream
object of the same id) is asked by its id (`.../upstreams/<id>`).

An upstream without `checks` has no health check results: the answer is an empty node list
(the service exists; it is not an error to ask). A data plane that does not answer: 503.
"""

from __future__ import annotations

from typing import Any

import httpx

from .. import strict_json
from ..api.errors import ApiError, not_found
from ..schema.engine import ecma_search
from .context import API, Api, Call
from .cpstore import PUBLISHED, SERVICE_UPSTREAMS
from .web import value

CONTROL_TIMEOUT = 2.0
ID_PATTERN = r"^[a-zA-Z0-9-_.]{1,256}$"
UNHEALTHY = ("unhealthy", "mostly_unhealthy")  # nodes the data plane sends no traffic to
FILTER_VALUES = ("unhealthy_nodes_exists", "no_unhealthy_nodes")


def _ask(api: Api, group_id: str, path: str) -> tuple[int, Any]:
    """(status, JSON body) of the group's data plane Control API; 503 when it can't answer."""
    base = api.planes.control_url(group_id)
    if base is None:
        raise ApiError(503, f"the data plane of gateway group {group_id} has no control API")
    try:
        response = httpx.get(base + path, timeout=CONTROL_TIMEOUT)
        return response.status_code, strict_json.loads(response.content)
    except httpx.HTTPError as exc:
        raise ApiError(
            503, f"the data plane of gateway group {group_id} does not answer: {exc}"
        ) from None
    except ValueError:
        raise ApiError(
            503, f"the data plane of gateway group {group_id} gave an unreadable answer"
        ) from None


def _node(node: dict[str, Any]) -> dict[str, Any]:
    return {
        "host": node.get("hostname") or node.get("ip"),
        "port": node.get("port"),
        "status": node.get("status"),
        "counter": node.get("counter") or {},
    }


def _view(info: dict[str, Any] | None) -> dict[str, Any]:
    if info is None:
        return {"nodes": []}
    return {"type": info.get("type"), "nodes": [_node(n) for n in info.get("nodes") or []]}


def service_healthcheck(api: Api, call: Call) -> tuple[int, Any]:
    group_id, service_id = call.params["gateway_group_id"], call.params["service_id"]
    api.group_or_404(group_id)
    record = api.cp.get(PUBLISHED, group_id, service_id)
    if record is None:
        raise not_found(f"published service {service_id} on gateway group {group_id}")
    upstream_id = call.args.get("upstream_id")
    if upstream_id is None:
        path = f"/v1/healthcheck/services/{service_id}"
    elif not ecma_search(ID_PATTERN, upstream_id):
        raise ApiError(
            400, "invalid query parameter upstream_id: 1 to 256 of a-z, A-Z, 0-9, -, _ and ."
        )
    elif upstream_id not in _upstream_ids(api, group_id, service_id):
        raise not_found(f"upstream {upstream_id} of published service {service_id}")
    else:
        path = f"/v1/healthcheck/upstreams/{upstream_id}"
    status, body = _ask(api, group_id, path)
    if status == 404:  # no checker: no checks configured, or not loaded by the data plane yet
        return 200, value(_view(None))
    if status != 200 or not isinstance(body, dict):
        raise ApiError(503, f"the data plane of gateway group {group_id} answered {status}")
    return 200, value(_view(body))


def _upstream_ids(api: Api, group_id: str, service_id: str) -> list[str]:
    """The upstreams of a published service besides its default one (service_upstreams.py),
    each rendered as the group's APISIX upstream object of the same id."""
    return [str(u["id"]) for u in api.cp.all(SERVICE_UPSTREAMS, group_id, service_id)]


def filter_unhealthy_nodes(
    api: Api, group_id: str, rows: list[dict[str, Any]], wanted: list[str]
) -> list[dict[str, Any]]:
    """Keep the services with (`unhealthy_nodes_exists`) or without (`no_unhealthy_nodes`)
    an unhealthy node in any of their upstreams; both values keep every service."""
    for item in wanted:
        if item not in FILTER_VALUES:
            raise ApiError(
                400,
                f"invalid query parameter unhealthy_nodes: must be one of {list(FILTER_VALUES)}",
            )
    if set(wanted) == set(FILTER_VALUES):
        return rows
    status, body = _ask(api, group_id, "/v1/healthcheck")
    if status != 200 or not isinstance(body, list):
        raise ApiError(503, f"the data plane of gateway group {group_id} answered {status}")
    sick: set[tuple[str, str]] = set()
    for info in body:
        parts = str(info.get("name", "")).rsplit("/", 2)  # <prefix>/<kind>/<id>
        if len(parts) == 3 and any(n.get("status") in UNHEALTHY for n in info.get("nodes") or []):
            sick.add((parts[1], parts[2]))
    keep = "unhealthy_nodes_exists" in wanted
    out = []
    for row in rows:
        extra = _upstream_ids(api, group_id, row["id"])
        owners = [("services", row["id"])] + [("upstreams", u) for u in extra]
        if any(owner in sick for owner in owners) == keep:
            out.append(row)
    return out


ROUTES = [
    API(
        "GET",
        "/gateway_groups/{gateway_group_id}/services/{service_id}/healthcheck",
        service_healthcheck,
        "gateway:GetPublishedService",
        "gateway_group_id",
        "service_id",
    ),
]
