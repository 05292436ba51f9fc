"""A loopback STAND-IN for a Nacos server: the subset of the Nacos 1.x Open API
(`/nacos/v1/...`) a gateway's service discovery uses, answering in Nacos' JSON shapes.

It exists because a real Nacos (a Java server) cannot run where this suite runs: it is not
a Python package and nothing may be fetched from outside. It is *not* an oracle of Nacos
behaviour; it is a registry the scenario tests fill (`register` / `deregister`, through the
same HTTP calls a service instance makes) so they can assert what a gateway discovers.

    with NacosStandIn() as nacos:
        nacos.register("httpbin", "127.0.0.1", 8080)
        host = nacos.url            # "http://127.0.0.1:PORT", a registry's nacos_config.hosts item

Served (prefix `/nacos/v1`): `POST|DELETE /ns/instance` (register/deregister),
`GET /ns/instance/list`, `GET /ns/service/list`, `GET /ns/catalog/services`,
`GET /console/namespaces`, `GET /console/health/liveness`, and `POST /auth/login` when
started with `auth=(username, password)` (then every other call needs `accessToken`).
`stop()` closes the port and `start()` reopens the same one (registry outage tests).
"""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from .loopback_http import HandlerServer

PREFIX = "/nacos/v1"
DEFAULT_GROUP = "DEFAULT_GROUP"
DEFAULT_NAMESPACE = "public"
DEFAULT_CLUSTER = "DEFAULT"


@dataclass
class Instance:
    ip: str
    port: int
    weight: float = 1.0
    healthy: bool = True
    enabled: bool = True
    metadata: dict[str, str] = field(default_factory=dict)
    cluster: str = DEFAULT_CLUSTER

    def shape(self, grouped_name: str) -> dict[str, Any]:
        return {
            "instanceId": f"{self.ip}#{self.port}#{self.cluster}#{grouped_name}",
            "ip": self.ip,
            "port": self.port,
            "weight": self.weight,
            "healthy": self.healthy,
            "enabled": self.enabled,
            "ephemeral": True,
            "clusterName": self.cluster,
            "serviceName": grouped_name,
            "metadata": dict(self.metadata),
            "instanceHeartBeatInterval": 5000,
            "instanceHeartBeatTimeOut": 15000,
            "ipDeleteTimeout": 30000,
            "instanceIdGenerator": "simple",
        }


class NacosStandIn(HandlerServer):
    def __init__(self, auth: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.auth = auth
        self.tokens: set[str] = set()
        self.lock = threading.Lock()
        # (namespace, group, service) -> {(ip, port): Instance}
        self.services: dict[tuple[str, str, str], dict[tuple[str, int], Instance]] = {}
        self.requests = 0

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)

    # --- what a service instance does ----------------------------------------------------------
    def register(
        self,
        service: str,
        ip: str,
        port: int,
        *,
        group: str = DEFAULT_GROUP,
        namespace: str = DEFAULT_NAMESPACE,
        weight: float = 1.0,
        metadata: dict[str, str] | None = None,
        healthy: bool = True,
    ) -> None:
        params = {
            "serviceName": service,
            "groupName": group,
            "namespaceId": namespace,
            "ip": ip,
            "port": port,
            "weight": weight,
            "healthy": str(healthy).lower(),
            "metadata": json.dumps(metadata or {}),
        }
        self._instance_call("POST", params)

    def deregister(
        self,
        service: str,
        ip: str,
        port: int,
        *,
        group: str = DEFAULT_GROUP,
        namespace: str = DEFAULT_NAMESPACE,
    ) -> None:
        params = {
            "serviceName": service,
            "groupName": group,
            "namespaceId": namespace,
            "ip": ip,
            "port": port,
        }
        self._instance_call("DELETE", params)

    def _instance_call(self, method: str, params: dict[str, Any]) -> None:
        if self.auth:
            params["accessToken"] = self.login()
        response = httpx.request(
            method, f"{self.url}{PREFIX}/ns/instance", params=params, timeout=5, trust_env=False
        )
        if response.status_code != 200 or response.text != "ok":
            raise RuntimeError(f"{method} /ns/instance -> {response.status_code} {response.text}")

    def login(self) -> str:
        assert self.auth is not None
        response = httpx.post(
            f"{self.url}{PREFIX}/auth/login",
            data={"username": self.auth[0], "password": self.auth[1]},
            timeout=5,
            trust_env=False,
        )
        return response.json()["accessToken"]

    # --- the API -------------------------------------------------------------------------------
    def answer(
        self, method: str, path: str, query: dict[str, str], form: dict[str, str]
    ) -> tuple[int, Any]:
        with self.lock:
            self.requests += 1
        if not path.startswith(PREFIX):
            return 404, "not found"
        path = path[len(PREFIX) :]
        if path == "/auth/login" and method == "POST":
            return self._login(form or query)
        if self.auth and query.get("accessToken") not in self.tokens:
            return 403, "user not found!"
        args = {**form, **query}
        routes = {
            ("POST", "/ns/instance"): self._register,
            ("DELETE", "/ns/instance"): self._deregister,
            ("GET", "/ns/instance/list"): self._instance_list,
            ("GET", "/ns/service/list"): self._service_list,
            ("GET", "/ns/catalog/services"): self._catalog,
            ("GET", "/console/namespaces"): self._namespaces,
            ("GET", "/console/health/liveness"): lambda _args: (200, "OK"),
        }
        handler = routes.get((method, path))
        if handler is None:
            return 404, f"no such API: {method} {PREFIX}{path}"
        return handler(args)

    def _login(self, args: dict[str, str]) -> tuple[int, Any]:
        if self.auth is None or (args.get("username"), args.get("password")) != self.auth:
            return 403, "unknown user!"
        token = secrets.token_hex(16)
        self.tokens.add(token)
        return 200, {"accessToken": token, "tokenTtl": 18000, "globalAdmin": True}

    @staticmethod
    def _key(args: dict[str, str]) -> tuple[str, str, str] | None:
        name = args.get("serviceName")
        if not name:
            return None
        group = args.get("groupName") or DEFAULT_GROUP
        if "@@" in name:  # a grouped name, "group@@service"
            group, name = name.split("@@", 1)
        return (args.get("namespaceId") or DEFAULT_NAMESPACE, group, name)

    def _register(self, args: dict[str, str]) -> tuple[int, Any]:
        key = self._key(args)
        if key is None or not args.get("ip") or not args.get("port", "").isdigit():
            return 400, "caused: Param 'serviceName', 'ip' and 'port' are required;"
        instance = Instance(
            ip=args["ip"],
            port=int(args["port"]),
            weight=float(args.get("weight") or 1.0),
            healthy=args.get("healthy", "true") != "false",
            enabled=args.get("enabled", "true") != "false",
            metadata=json.loads(args.get("metadata") or "{}"),
        )
        with self.lock:
            self.services.setdefault(key, {})[(instance.ip, instance.port)] = instance
        return 200, "ok"

    def _deregister(self, args: dict[str, str]) -> tuple[int, Any]:
        key = self._key(args)
        if key is None or not args.get("port", "").isdigit():
            return 400, "caused: Param 'serviceName', 'ip' and 'port' are required;"
        with self.lock:
            self.services.get(key, {}).pop((args.get("ip", ""), int(args["port"])), None)
        return 200, "ok"

    def _instance_list(self, args: dict[str, str]) -> tuple[int, Any]:
        key = self._key(args)
        if key is None:
            return 400, "caused: Param 'serviceName' is required;"
        grouped = f"{key[1]}@@{key[2]}"
        healthy_only = args.get("healthyOnly") == "true"
        with self.lock:
            hosts = [
                i.shape(grouped)
                for i in self.services.get(key, {}).values()
                if i.healthy or not healthy_only
            ]
        return 200, {
            "name": grouped,
            "groupName": key[1],
            "clusters": "",
            "cacheMillis": 10000,
            "hosts": hosts,
            "lastRefTime": int(time.time() * 1000),
            "checksum": "",
            "allIPs": False,
            "reachProtectionThreshold": False,
            "valid": True,
        }

    def _names(self, namespace: str, group: str | None) -> list[tuple[str, str]]:
        with self.lock:
            return sorted(
                (g, s)
                for (ns, g, s), instances in self.services.items()
                if ns == namespace and (group is None or g == group) and instances
            )

    def _page(self, args: dict[str, str], rows: list) -> list:
        page = int(args.get("pageNo") or 1)
        size = int(args.get("pageSize") or 10)
        return rows[(page - 1) * size : page * size]

    def _service_list(self, args: dict[str, str]) -> tuple[int, Any]:
        namespace = args.get("namespaceId") or DEFAULT_NAMESPACE
        names = [s for _, s in self._names(namespace, args.get("groupName") or DEFAULT_GROUP)]
        return 200, {"count": len(names), "doms": self._page(args, names)}

    def _catalog(self, args: dict[str, str]) -> tuple[int, Any]:
        namespace = args.get("namespaceId") or DEFAULT_NAMESPACE
        rows = []
        for group, service in self._names(namespace, None):
            with self.lock:
                instances = list(self.services[(namespace, group, service)].values())
            rows.append(
                {
                    "name": service,
                    "groupName": group,
                    "clusterCount": 1,
                    "ipCount": len(instances),
                    "healthyInstanceCount": sum(i.healthy for i in instances),
                    "triggerFlag": "false",
                }
            )
        return 200, {"count": len(rows), "serviceList": self._page(args, rows)}

    def _namespaces(self, _args: dict[str, str]) -> tuple[int, Any]:
        with self.lock:
            extra = sorted({ns for ns, _, _ in self.services} - {DEFAULT_NAMESPACE})
        data = [_namespace("", "public")] + [_namespace(ns, ns) for ns in extra]
        return 200, {"code": 200, "message": None, "data": data}


def _namespace(namespace_id: str, show_name: str) -> dict[str, Any]:
    return {
        "namespace": namespace_id,
        "namespaceShowName": show_name,
        "namespaceDesc": None,
        "quota": 200,
        "configCount": 0,
        "type": 0 if not namespace_id else 2,
    }


def _handler_for(standin: NacosStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(min(length, 1 << 20)).decode("utf-8", "replace")
            form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            status, body = standin.answer(self.command, parts.path, query, form)
            is_json = not isinstance(body, str)
            payload = (json.dumps(body) if is_json else body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if is_json else "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = do_PUT = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def free_port() -> int:
    """A loopback port nothing listens on right now (for a registry that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
