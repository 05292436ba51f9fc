"""Data plane cores: `GET /api/instances/cores` (in use now, and what the license allows)
and `GET /api/instances/cores_usages/export?begin_at=&end_at=` (CSV, one row an hour, newest
first: the most cores in use in that hour).

A core is a worker process: the default group's data plane runs the configured `workers`,
every other group's one. An hour counts the groups that existed by its end (a deleted
group's past use is gone with it)."""

from __future__ import annotations

import csv
import io
from typing import Any

from starlette.responses import Response

from ..api.errors import ApiError
from . import license
from .context import API, Api, Call
from .cpstore import DEFAULT_GROUP
from .dataplanes import WORKERS_PER_GROUP
from .instances import of_group

HOUR = 3600
MAX_HOURS = 366 * 24


def _cores(api: Api, group_id: str) -> int:
    return api.config.workers if group_id == DEFAULT_GROUP else WORKERS_PER_GROUP


def cores(api: Api, call: Call) -> tuple[int, Any]:
    api.cp.ensure_default_group()
    in_use = sum(
        _cores(api, g["id"])
        for g in api.cp.groups()
        if any(i["status"] != "Offline" for i in of_group(api, g["id"]))
    )
    found = license.current(api)
    allowed = found["max_dp_cores"] if found else None
    return 200, {"value": {"current_dp_cores": in_use, "max_dp_cores": allowed}}


def export(api: Api, call: Call) -> tuple[int, Any]:
    begin, end = _seconds(call, "begin_at"), _seconds(call, "end_at")
    if end < begin:
        raise ApiError(400, "invalid query parameters: end_at is before begin_at")
    first, last = begin - begin % HOUR, end - end % HOUR
    if (last - first) // HOUR + 1 > MAX_HOURS:
        raise ApiError(400, f"invalid query parameters: at most {MAX_HOURS} hours at a time")
    api.cp.ensure_default_group()
    groups = [(g["id"], int(g.get("created_at", 0))) for g in api.cp.groups()]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["time", "max_dp_cores"])
    for hour in range(last, first - 1, -HOUR):
        used = sum(_cores(api, gid) for gid, created in groups if created < hour + HOUR)
        writer.writerow([hour, used])
    return 200, Response(out.getvalue(), media_type="text/csv")


def _seconds(call: Call, name: str) -> int:
    raw = call.args.get(name)
    if raw is None:
        raise ApiError(400, f"missing query parameter {name}")
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"invalid query parameter {name}: must be an integer") from None
    if value < 0:
        raise ApiError(400, f"invalid query parameter {name}: must not be negative")
    return value


ROUTES = [
    API("GET", "/instances/cores", cores, "gateway:GetGatewayInstanceCore"),
    API("GET", "/instances/cores_usages/export", export, "gateway:GetGatewayInstanceCore"),
]
