"""APISIX's Control API, health check part: `GET /v1/healthcheck` and
`GET /v1/healthcheck/{routes|services|upstreams}/{id}`, served by the supervisor from what its
workers publish (health_report.py), on `apisix.control` (APISIX's default 127.0.0.1:9090).

Answers follow apisix/control/v1.lua: the list of checked resources `{name, type, nodes}`;
one resource by source type and id, 404 `{"error_msg": "upstreams[1] not found"}` for an
unknown one (or one no checker covers), 400 for an unknown source type.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from .health_report import KINDS, node_health
from .side_server import SideServer

Health = Callable[[], dict[tuple[str, str], dict[str, Any]]]
PREFIX = "/v1/healthcheck"


def answer_healthcheck(path: str, health: Health) -> tuple[int, Any]:
    """(status, JSON body) of a Control API health check path."""
    if path in (PREFIX, PREFIX + "/"):
        combined = health()
        return 200, [combined[key] for key in sorted(combined)]
    if not path.startswith(PREFIX + "/"):
        return 404, {"error_msg": "not found"}
    segments = [unquote(s) for s in path[len(PREFIX) + 1 :].split("/")]
    src_type = segments[0]
    if len(segments) < 2 or not segments[1]:
        return 404, {"error_msg": f"missing src id for src type {src_type}"}
    if src_type not in KINDS:
        return 400, {"error_msg": f"invalid src type {src_type}"}
    info = health().get((src_type, segments[1]))
    if info is None:
        return 404, {"error_msg": f"{src_type}[{segments[1]}] not found"}
    return 200, info


class ControlApi(SideServer):
    """The Control API's server; `stop()` shuts it down."""

    def __init__(self, health: Health, host: str, port: int) -> None:
        def answer(path: str) -> tuple[int, bytes, str]:
            status, body = answer_healthcheck(path, health)
            return status, json.dumps(body).encode(), "application/json"

        super().__init__(answer, host, port, "control-api")


def start_control_api(directory: str, host: str = "127.0.0.1", port: int = 9090) -> ControlApi:
    """Serve the health the workers publish under `directory` (their shared folder)."""
    return ControlApi(lambda: node_health(directory), host, port)
