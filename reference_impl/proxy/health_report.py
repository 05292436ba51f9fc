"""Health of the checked upstreams, shared by the workers with the supervisor.

Each worker checks its upstreams on its own (healthcheck.py). It publishes what its checkers
see to `health-<worker_id>.json` in the node's shared folder: rewritten (atomically, by
rename) as soon as a node flips, and otherwise once a second when a counter moved. The
supervisor's control API reads those files and combines them.

Resources are named as APISIX's control API names them: the key of the route, service or
upstream object that carries the checked upstream (`/apisix/routes/1` for an inline upstream
of a route, `/apisix/services/1` for a service's, `/apisix/upstreams/1` for an upstream
object), with the type of the check and each node's status and counters.

Combining workers: a node's status is the one every worker that checks it reports; when they
differ, "mostly_healthy" if more than half of them still send it traffic (healthy or
mostly_healthy), else "mostly_unhealthy". So a node is "unhealthy" only when all the
workers checking it took it out. Counters are summed over the workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import json
import os
from typing import Any

from .snapshot import Snapshot
from .upstream import UpstreamRuntime

PUBLISH_INTERVAL = 1.0
FILE_PATTERN = "health-*.json"
KINDS = ("routes", "services", "upstreams")
ROUTED = ("healthy", "mostly_healthy")


def _checks_of(kind: str, obj: dict[str, Any]) -> dict[str, Any] | None:
    if kind == "upstreams":
        return obj.get("checks") or None
    return (obj.get("upstream") or {}).get("checks") or None


def _owner_of(route: dict[str, Any], services: dict[str, dict[str, Any]]) -> tuple[str, str] | None:
    """The resource whose upstream a route uses, following the merge rules of snapshot.py:
    the route's own upstream or upstream_id, else its service's."""
    if route.get("upstream"):
        return "routes", str(route.get("id"))
    if route.get("upstream_id") is not None:
        return "upstreams", str(route["upstream_id"])
    service = services.get(str(route.get("service_id")))
    if service is None:
        return None
    if service.get("upstream"):
        return "services", str(route["service_id"])
    if service.get("upstream_id") is not None:
        return "upstreams", str(service["upstream_id"])
    return None


def _check_type(kind: str, obj: dict[str, Any]) -> str | None:
    checks = _checks_of(kind, obj)
    if not checks:
        return None
    conf = checks.get("active") or checks.get("passive") or {}
    return str(conf.get("type") or "http")


def checked_resources(
    objects: dict[str, dict[str, Any]], snapshot: Snapshot
) -> dict[tuple[str, str], tuple[str, UpstreamRuntime | None]]:
    """(kind, id) -> (check type, the runtime checking it, or None while no route uses it)
    for every route, service and upstream object with `checks`; an object whose checks
    cannot be read is left out (`snapshot.left_out`)."""
    left_out = snapshot.left_out
    found: dict[tuple[str, str], tuple[str, UpstreamRuntime | None]] = {}
    for kind in KINDS:
        for obj_id, obj in objects.get(kind, {}).items():
            check_type = left_out.compile(kind, obj_id, _check_type, kind, obj)
            if check_type is not None:
                found[(kind, str(obj_id))] = (check_type, None)
    routes = objects.get("routes", {})
    services = objects.get("services", {})
    for rt in snapshot.routes:
        route = routes.get(rt.route_id) if rt.route_id is not None else None
        owner = None
        if route is not None:
            owner = left_out.compile("routes", rt.route_id, _owner_of, route, services)
        runtime = rt.target.runtime if rt.target is not None else None
        if owner in found and runtime is not None and runtime.checker is not None:
            found[owner] = (found[owner][0], runtime)
    for stream_route in snapshot.stream_routes:
        conf, runtime = stream_route.conf, stream_route.upstream
        if conf.get("upstream") or conf.get("upstream_id") is None:
            continue
        owner = ("upstreams", str(conf["upstream_id"]))
        if owner in found and runtime is not None and runtime.checker is not None:
            found[owner] = (found[owner][0], runtime)
    return found


class HealthPublisher:
    """One worker's health file; `update()` after each config change, `start()` once."""

    def __init__(self, directory: str, worker_id: int, prefix: str) -> None:
        self.path = os.path.join(directory, f"health-{worker_id}.json")
        self.worker_id = worker_id
        self.prefix = prefix
        self._resources: dict[tuple[str, str], tuple[str, UpstreamRuntime | None]] = {}
        self._written = ""
        self._task: asyncio.Task | None = None
        self._flip_pending = False

    def update(self, objects: dict[str, dict[str, Any]], snapshot: Snapshot) -> None:
        self._resources = checked_resources(objects, snapshot)
        for _, runtime in self._resources.values():
            if runtime is not None and runtime.checker is not None:
                runtime.checker.on_flip = self._on_flip
        self._schedule_soon()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        with contextlib.suppress(OSError):
            os.unlink(self.path)

    def _on_flip(self) -> None:
        self._schedule_soon()

    def _schedule_soon(self) -> None:
        if not self._flip_pending:
            self._flip_pending = True
            with contextlib.suppress(RuntimeError):  # no running loop: the tick writes it
                asyncio.get_running_loop().call_soon(self._write_now)

    def _write_now(self) -> None:
        self._flip_pending = False
        self.publish()

    async def _run(self) -> None:
        while True:
            self.publish()
            await asyncio.sleep(PUBLISH_INTERVAL)

    def document(self) -> dict[str, Any]:
        checkers = []
        for (kind, obj_id), (check_type, runtime) in sorted(self._resources.items()):
            checker = runtime.checker if runtime is not None else None
            checkers.append(
                {
                    "kind": kind,
                    "id": obj_id,
                    "name": f"{self.prefix}/{kind}/{obj_id}",
                    "type": checker.check_type() if checker is not None else check_type,
                    "nodes": checker.report() if checker is not None else [],
                }
            )
        return {"worker": self.worker_id, "pid": os.getpid(), "checkers": checkers}

    def publish(self) -> None:
        """Write the file if what it says changed (a write is a rename: readers never see
        half a file)."""
        text = json.dumps(self.document(), sort_keys=True)
        if text == self._written:
            return
        temporary = f"{self.path}.{os.getpid()}.tmp"
        try:
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            return
        self._written = text


def read_worker_reports(directory: str) -> list[dict[str, Any]]:
    reports = []
    for path in sorted(glob.glob(os.path.join(directory, FILE_PATTERN))):
        try:
            with open(path, encoding="utf-8") as handle:
                report = json.load(handle)
        except (OSError, ValueError):
            continue  # a worker that just stopped
        if isinstance(report, dict) and isinstance(report.get("checkers"), list):
            reports.append(report)
    return reports


def _combined_status(statuses: list[str]) -> str:
    if len(set(statuses)) == 1:
        return statuses[0]
    routed = sum(1 for s in statuses if s in ROUTED)
    return "mostly_healthy" if routed * 2 > len(statuses) else "mostly_unhealthy"


def combine(reports: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(kind, id) -> `{name, type, nodes}` over every worker's report (rule: module doc)."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    node_votes: dict[tuple[str, str], dict[tuple[str, int], list[dict[str, Any]]]] = {}
    for report in reports:
        for checker in report["checkers"]:
            key = (str(checker["kind"]), str(checker["id"]))
            merged.setdefault(key, {"name": checker["name"], "type": checker["type"]})
            votes = node_votes.setdefault(key, {})
            for node in checker["nodes"]:
                votes.setdefault((node["ip"], node["port"]), []).append(node)
    for key, info in merged.items():
        nodes = []
        for (ip, port), seen in node_votes[key].items():
            counter = {
                name: sum(int(n["counter"].get(name, 0)) for n in seen)
                for name in ("success", "http_failure", "tcp_failure", "timeout_failure")
            }
            nodes.append(
                {
                    "ip": ip,
                    "port": port,
                    "hostname": seen[0].get("hostname", ip),
                    "status": _combined_status([n["status"] for n in seen]),
                    "counter": counter,
                }
            )
        info["nodes"] = nodes
    return merged


def node_health(directory: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The combined health of every checked resource the workers under `directory` serve."""
    return combine(read_worker_reports(directory))
