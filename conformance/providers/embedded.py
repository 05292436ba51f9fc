"""The embedded target: the reference implementation, always started as a separate process.

This is the only module of the suite that knows the reference implementation exists, and it
knows it only as a command line.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Protocol

import httpx
import yaml

from ..features import PROFILES, REDIS_FEATURES
from ..target import Target, TargetError, TargetSettings

SERVER_MODULE = "reference_impl"
ADMIN_KEY = "edd1c9f034335f136f87ad84b625c8f1"
VIEWER_KEY = "4054f7cf07e344346cd3f287985e76a2"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
REFERENCE_NAME = "gwconform reference implementation"
# the variable a started gateway has for `$env://` references (dp-secret-refs-env)
SECRET_ENV_NAME = "GWCONFORM_SECRET_REF"


def server_command(*args: str) -> list[str]:
    return [sys.executable, "-m", SERVER_MODULE, "serve", *args]


def exec_serve(args: list[str]) -> None:
    """Replace this process with the reference gateway (for `gwconform serve`)."""
    command = server_command(*args)
    os.execv(command[0], command)


def suite_version() -> str:
    try:
        return version("gwconform")
    except PackageNotFoundError:
        return "0+unknown"


def free_port(kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    """A free 127.0.0.1 port (of UDP with `kind` SOCK_DGRAM)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gateway_config(
    admin_port: int,
    node_port: int,
    stream_port: int,
    metrics_port: int,
    admin_api_version: str = "v3",
    etcd_url: str | None = None,
    etcd_prefix: str = "/apisix",
    tls_port: int | None = None,
    control_port: int | None = None,
    admin_password: str | None = None,
    admin_key: str = ADMIN_KEY,
    viewer_key: str = VIEWER_KEY,
    otel_port: int | None = None,
    stream_tls_port: int | None = None,
    stream_udp_port: int | None = None,
    dns_port: int | None = None,
) -> dict[str, Any]:
    """The config.yaml of a gateway (the reference, or APISIX in a container on the host's
    network) listening on the given loopback ports. Every credential is named here: the
    admin and viewer keys, the Cloud API token and, when given, the password of the
    dashboard's `admin` user (IAM); the gateway has no others."""
    deployment: dict[str, Any] = {
        "admin": {
            "admin_key": [
                {"name": "admin", "key": admin_key, "role": "admin"},
                {"name": "viewer", "key": viewer_key, "role": "viewer"},
            ],
            "allow_admin": ["127.0.0.0/8"],
            "admin_listen": {"ip": "127.0.0.1", "port": admin_port},
            "admin_api_version": admin_api_version,
        }
    }
    config: dict[str, Any] = {
        "apisix": {
            "node_listen": [{"ip": "127.0.0.1", "port": node_port}],
            "proxy_mode": "http&stream",  # APISIX 3.x serves stream_proxy only then
            "stream_proxy": _stream_proxy(stream_port, stream_tls_port, stream_udp_port),
            "ssl": {
                "enable": tls_port is not None,
                "listen": [{"ip": "127.0.0.1", "port": tls_port}],
            },
            "enable_control": control_port is not None,
            "control": {"ip": "127.0.0.1", "port": control_port},
        },
        "plugin_attr": {"prometheus": {"export_addr": {"ip": "127.0.0.1", "port": metrics_port}}},
        "deployment": deployment,
        # APISIX's workers see only the variables nginx.conf lists
        "nginx_config": {"envs": [SECRET_ENV_NAME]},
        # one credential for every API: the admin key is also the Cloud API's bearer token
        "gwconform": {"cloud": {"tokens": [admin_key]}},
    }
    if otel_port is not None:
        # the OTLP collector a test listens on; spans leave within a second
        config["plugin_attr"]["opentelemetry"] = {
            "collector": {"address": f"127.0.0.1:{otel_port}"},
            "batch_span_processor": {"inactive_timeout": 0.5, "batch_timeout": 1},
        }
    if dns_port is not None:  # the DNS server a test serves records from
        config["discovery"] = {"dns": {"servers": [f"127.0.0.1:{dns_port}"]}}
    if admin_password is not None:
        config["gwconform"]["iam"] = {"admin_password": admin_password}
    if etcd_url:
        deployment["etcd"] = {"host": [etcd_url], "prefix": etcd_prefix}
        config["gwconform"]["store"] = "etcd"
    return config


def _stream_proxy(tcp: int, tls: int | None, udp: int | None) -> dict[str, Any]:
    """`apisix.stream_proxy`: TCP, and TLS over TCP and UDP when given their ports."""
    entries: list[dict[str, Any]] = [{"addr": f"127.0.0.1:{tcp}"}]
    if tls is not None:
        entries.append({"addr": f"127.0.0.1:{tls}", "tls": True})
    section: dict[str, Any] = {"tcp": entries}
    if udp is not None:
        section["udp"] = [f"127.0.0.1:{udp}"]
    return section


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def wait_until_serving(
    admin_url: str,
    node_port: int,
    admin_key: str,
    timeout: float,
    check_alive: Callable[[], None],
) -> str | None:
    """Wait until the Admin API answers 200 with `admin_key` and the data plane port on
    loopback accepts connections: None then, or what was still awaited after `timeout`
    seconds. `check_alive` raises TargetError when the gateway has died meanwhile."""
    deadline = time.monotonic() + timeout
    admin_ok = False
    while time.monotonic() < deadline:
        check_alive()
        if not admin_ok:
            with contextlib.suppress(httpx.HTTPError):
                reply = httpx.get(
                    f"{admin_url}/apisix/admin/routes",
                    headers={"X-API-KEY": admin_key},
                    timeout=1.0,
                )
                admin_ok = reply.status_code == 200
        if admin_ok and _port_open(node_port):
            return None
        time.sleep(0.1)
    return "data plane port" if admin_ok else "admin API"


class LoopbackGateway(Protocol):
    """A gateway whose listeners are on this host's loopback, at these ports."""

    admin_api_version: str
    admin_port: int
    node_port: int
    stream_port: int
    stream_tls_port: int
    stream_udp_port: int
    metrics_port: int
    tls_port: int
    control_port: int
    otel_port: int  # where a test's OTLP collector listens
    secret_env_value: str  # the value of SECRET_ENV_NAME in the gateway's environment
    dns_port: int  # where a test's DNS server listens (UDP)


def etcd_prefix_of(admin_api_version: str) -> str:
    """Gateways of both Admin API versions can share one etcd: each has a prefix."""
    return "/apisix" if admin_api_version == "v3" else "/apisix-v2"


def loopback_gateway_config(
    gateway: LoopbackGateway,
    etcd_url: str | None,
    etcd_prefix: str,
    admin_password: str,
    admin_key: str = ADMIN_KEY,
    viewer_key: str = VIEWER_KEY,
) -> dict[str, Any]:
    """`gateway_config` for the gateway's ports and Admin API version."""
    return gateway_config(
        gateway.admin_port,
        gateway.node_port,
        gateway.stream_port,
        gateway.metrics_port,
        gateway.admin_api_version,
        etcd_url,
        etcd_prefix,
        tls_port=gateway.tls_port,
        control_port=gateway.control_port,
        admin_password=admin_password,
        admin_key=admin_key,
        viewer_key=viewer_key,
        otel_port=gateway.otel_port,
        stream_tls_port=gateway.stream_tls_port,
        stream_udp_port=gateway.stream_udp_port,
        dns_port=gateway.dns_port,
    )


def unavailable_features(settings: TargetSettings) -> frozenset[str]:
    """Extended features the embedded target can't offer on this machine: the redis
    policies' when no Redis was given and redis-server is not installed."""
    if shutil.which("redis-server") or (settings.redis_url and settings.redis_cluster_nodes):
        return frozenset()
    return frozenset(REDIS_FEATURES)


def loopback_target(
    gateway: LoopbackGateway,
    admin_key: str,
    viewer_key: str,
    **identity: Any,
) -> Target:
    """The Target of a gateway configured by `gateway_config`: the admin port also serves
    the API7 API at /api and the Cloud API at /api/v1 (when the gateway has them), and the
    admin key is the Cloud API's token. `identity`: name, version, profiles, features,
    timeout, and the Redis endpoints."""
    admin_url = f"http://127.0.0.1:{gateway.admin_port}"
    return Target(
        admin_url=admin_url,
        admin_key=admin_key,
        viewer_key=viewer_key,
        data_plane_url=f"http://127.0.0.1:{gateway.node_port}",
        data_plane_tls_url=f"https://127.0.0.1:{gateway.tls_port}",
        stream_addr=("127.0.0.1", gateway.stream_port),
        stream_tls_addr=("127.0.0.1", gateway.stream_tls_port),
        stream_udp_addr=("127.0.0.1", gateway.stream_udp_port),
        dashboard_url=admin_url,
        cloud_url=f"{admin_url}/api/v1",
        portal_api_url=f"{admin_url}/developer_portal",
        token=admin_key,
        prometheus_url=f"http://127.0.0.1:{gateway.metrics_port}/apisix/prometheus/metrics",
        otel_collector=f"127.0.0.1:{gateway.otel_port}",
        secret_env=f"{SECRET_ENV_NAME}={gateway.secret_env_value}",
        dns_server=f"127.0.0.1:{gateway.dns_port}",
        admin_api_version=gateway.admin_api_version,
        **identity,
    )


class EmbeddedGateway:
    """One reference gateway process on free loopback ports."""

    def __init__(
        self,
        workdir: Path,
        admin_api_version: str = "v3",
        etcd_url: str | None = None,
        etcd_prefix: str = "/apisix",
        start_timeout: float = START_TIMEOUT,
        admin_password: str | None = None,
    ) -> None:
        self.workdir = workdir
        self.admin_api_version = admin_api_version
        # the dashboard's `admin` user (IAM): explicit, never a built-in password
        self.admin_password = admin_password or secrets.token_urlsafe(18)
        self.admin_port, self.node_port, self.stream_port = free_port(), free_port(), free_port()
        self.stream_tls_port, self.stream_udp_port = free_port(), free_port(socket.SOCK_DGRAM)
        self.metrics_port, self.otel_port = free_port(), free_port()
        self.dns_port = free_udp_port()
        self.tls_port, self.control_port = free_port(), free_port()
        self.secret_env_value = secrets.token_hex(12)
        self.config_path = workdir / f"config-{admin_api_version}.yaml"
        self.stderr_path = workdir / f"gateway-{admin_api_version}.stderr"
        self.start_timeout = start_timeout
        self._etcd_url = etcd_url
        self._etcd_prefix = etcd_prefix
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The gateway's main process (its data plane workers are its children)."""
        return self._process.pid if self._process is not None else None

    @property
    def data_plane_url(self) -> str:
        return f"http://127.0.0.1:{self.node_port}"

    @property
    def data_plane_tls_url(self) -> str:
        return f"https://127.0.0.1:{self.tls_port}"

    def start(self) -> None:
        config = loopback_gateway_config(
            self, self._etcd_url, self._etcd_prefix, self.admin_password
        )
        self.config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
        with self.stderr_path.open("wb") as stderr:
            self._process = subprocess.Popen(
                server_command("--config", str(self.config_path)),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env={**os.environ, SECRET_ENV_NAME: self.secret_env_value},
            )
        self._wait_healthy()

    def _stderr_tail(self) -> str:
        try:
            lines = self.stderr_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        tail = " | ".join(line.strip() for line in lines[-5:] if line.strip())
        return f"; its stderr: {tail}" if tail else ""

    def _check_alive(self) -> None:
        assert self._process is not None
        code = self._process.poll()
        if code is not None:
            raise TargetError(
                f"the embedded reference gateway exited with code {code} while starting"
                f"{self._stderr_tail()}"
            )

    def _wait_healthy(self) -> None:
        waiting_for = wait_until_serving(
            self.admin_url, self.node_port, ADMIN_KEY, self.start_timeout, self._check_alive
        )
        if waiting_for is None:
            return
        self.stop()
        raise TargetError(
            f"the embedded reference gateway did not become healthy within "
            f"{self.start_timeout:.0f}s (waiting for its {waiting_for}){self._stderr_tail()}"
        )

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)


class EmbeddedProvider:
    """Starts reference gateways on demand (one per Admin API version) and stops them all."""

    name = "embedded"

    def __init__(
        self,
        settings: TargetSettings,
        profiles: tuple[str, ...] = tuple(PROFILES),
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        self.settings = settings
        self.profiles = profiles  # the run's: Redis is started only when dataplane is one
        self.start_timeout = start_timeout
        self._tmp = tempfile.TemporaryDirectory(prefix="gwconform-embedded-")
        self.workdir = Path(self._tmp.name)
        self._gateways: dict[str, EmbeddedGateway] = {}
        self._etcd: Any = None
        self._redis: list[Any] = []  # the Redis servers started for the dataplane profile
        self._redis_given: dict[str, Any] | None = None  # their endpoints, once started
        if unavailable_features(settings):
            print(
                "gwconform: redis-server is not installed: the redis policies' features are "
                "left out of this run (Debian: apt-get install redis-server)",
                file=sys.stderr,
            )
        # one for all its gateways: on one etcd they share the IAM users
        self.admin_password = secrets.token_urlsafe(18)

    def _etcd_url(self) -> str | None:
        if self.settings.store != "etcd":
            return None
        if self._etcd is None:
            from .etcd_process import EtcdError, EtcdProcess

            try:
                etcd = EtcdProcess(fsync=False)  # a throw-away store: speed over durability
                etcd.start()
            except EtcdError as exc:
                raise TargetError(f"can't start etcd for the embedded target: {exc}") from None
            self._etcd = etcd
        return self._etcd.client_url

    def gateway(self, admin_api_version: str) -> EmbeddedGateway:
        gateway = self._gateways.get(admin_api_version)
        if gateway is None:
            gateway = EmbeddedGateway(
                self.workdir,
                admin_api_version,
                self._etcd_url(),
                etcd_prefix=etcd_prefix_of(admin_api_version),
                start_timeout=self.start_timeout,
                admin_password=self.admin_password,
            )
            gateway.start()
            self._gateways[admin_api_version] = gateway
        return gateway

    def _redis_endpoints(self) -> dict[str, Any]:
        """A Redis and a three-node Redis Cluster for the redis policies' features (unless
        the user gave theirs), started once for every target of the run (the data plane
        tests get the default profile's target); none when redis-server is missing (those
        features are then not claimed: `unavailable_features`)."""
        from ..support.redis_server import RedisClusterServers, RedisError, RedisServer

        if self._redis_given is not None:
            return self._redis_given
        settings = self.settings
        endpoints: dict[str, Any] = {
            "redis_url": settings.redis_url,
            "redis_cluster_nodes": settings.redis_cluster_nodes,
        }
        try:
            if not settings.redis_url:
                server = RedisServer().start()
                self._redis.append(server)
                endpoints["redis_url"] = server.url
            if not settings.redis_cluster_nodes:
                cluster = RedisClusterServers(3).start()
                self._redis.append(cluster)
                endpoints["redis_cluster_nodes"] = cluster.nodes
        except RedisError as exc:
            print(f"gwconform: no Redis for the embedded target: {exc}", file=sys.stderr)
        self._redis_given = endpoints
        return endpoints

    def target(self, profile: str) -> Target:
        redis = self._redis_endpoints() if "dataplane" in self.profiles else {}
        return loopback_target(
            self.gateway("v2" if profile == "apisix-v2" else "v3"),
            ADMIN_KEY,
            VIEWER_KEY,
            name=REFERENCE_NAME,
            version=suite_version(),
            profiles=tuple(PROFILES),
            features=frozenset(f for p in PROFILES.values() for f in p.features),
            timeouts=self.settings.timeouts,
            **redis,
        )

    def close(self) -> None:
        for server in self._redis:
            server.stop()
        self._redis.clear()
        for gateway in self._gateways.values():
            gateway.stop()
        self._gateways.clear()
        if self._etcd is not None:
            self._etcd.close()
            self._etcd = None
        self._tmp.cleanup()
