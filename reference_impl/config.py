"""The reference gateway's configuration: APISIX's `conf/config.yaml` keys and defaults.

Only the keys the reference implementation acts on are read; others are kept and ignored,
as APISIX ignores keys of subsystems that are not enabled. `${{VAR}}` and
`${{VAR:=default}}` are substituted from the environment before the YAML is parsed.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .client_limits import ClientLimits, LimitError, client_limits
from .proxy_cache_zones import DEFAULT_PROXY_CACHE

# APISIX's published example key: anyone knows it, so it may only guard a loopback-only port
DEFAULT_ADMIN_KEY = "edd1c9f034335f136f87ad84b625c8f1"
# APISIX's own words about that key (`apisix/cli/ops.lua` up to 3.9, a warning there)
PUBLISHED_KEY_MESSAGE = (
    'using fixed Admin API token has security risk. Please modify "admin_key" in conf/config.yaml'
)

DEFAULTS: dict[str, Any] = {
    "apisix": {
        "node_listen": [9080],
        "stream_proxy": None,
        "ssl": {"enable": True, "listen": [{"port": 9443}], "ssl_protocols": "TLSv1.2 TLSv1.3"},
        "enable_control": True,
        "control": {"ip": "127.0.0.1", "port": 9090},
        "proxy_cache": DEFAULT_PROXY_CACHE,
    },
    "nginx_config": {"worker_processes": 1},
    "deployment": {
        "role": "traditional",
        "admin": {
            "admin_key_required": True,
            "admin_key": [{"name": "admin", "key": DEFAULT_ADMIN_KEY, "role": "admin"}],
            "allow_admin": ["127.0.0.0/24"],
            "admin_listen": {"ip": "0.0.0.0", "port": 9180},
            "admin_api_version": "v3",
        },
        "etcd": {"host": ["http://127.0.0.1:2379"], "prefix": "/apisix", "timeout": 30},
    },
    # Keys of the reference implementation itself (APISIX has no equivalent).
    "gwconform": {"store": "memory", "data_dir": None},
}

# APISIX's reserved environment variable (apisix/cli/file.lua): a JSON list of etcd URLs that
# replaces deployment.etcd.host, the way container images are pointed at their etcd
ETCD_HOST_ENV = "APISIX_DEPLOYMENT_ETCD_HOST"

_ENV_REF = re.compile(r"\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::=\s*(.*?))?\s*\}\}")


class ConfigError(Exception):
    """A configuration the gateway cannot start with; the message is one line for the user."""


def substitute_env(text: str, env: Mapping[str, str] | None = None) -> str:
    values: Mapping[str, str] = os.environ if env is None else env

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in values:
            return values[name]
        if default is not None:
            return default
        raise ConfigError(f"can't find environment variable {name} referenced by the configuration")

    return _ENV_REF.sub(replace, text)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


@dataclass(frozen=True)
class AdminKey:
    name: str
    key: str
    role: str  # "admin" or "viewer"


@dataclass(frozen=True)
class Listen:
    ip: str
    port: int
    tls: bool = False  # a `stream_proxy.tcp` entry with `tls: true` (TLS over TCP)


@dataclass
class GatewayConfig:
    raw: dict[str, Any]
    admin_keys: list[AdminKey]
    admin_key_required: bool
    allow_admin: list[str]
    admin_listen: Listen
    admin_api_version: str
    node_listen: list[Listen]
    stream_listen: list[Listen]  # `stream_proxy.tcp`
    workers: int
    store: str
    data_dir: str | None
    etcd_hosts: list[str]
    etcd_prefix: str
    etcd_timeout: float
    extras: dict[str, Any] = field(default_factory=dict)
    ssl: SslConfig = field(default_factory=lambda: SslConfig([]))
    # the Control API (`apisix.enable_control`, `apisix.control`); None when disabled;
    # port 0 takes any free port
    control_listen: Listen | None = None
    # `nginx_config.http` timeouts and header buffers, `nginx_config.worker_rlimit_nofile`
    limits: ClientLimits = field(default_factory=ClientLimits)
    stream_udp_listen: list[Listen] = field(default_factory=list)  # `stream_proxy.udp`
    # `apisix.enable_http2`: h2c with prior knowledge on `node_listen`, h2 through ALPN on
    # `apisix.ssl.listen` (nginx's `http2 on` in APISIX's server block)
    enable_http2: bool = True
    dns_servers: list[str] = field(default_factory=list)  # discovery.dns.servers

    @property
    def stream_enabled(self) -> bool:
        return bool(self.stream_listen or self.stream_udp_listen)


@dataclass(frozen=True)
class SslConfig:
    """`apisix.ssl`: the HTTPS listeners (none when `enable` is false) and their protocols."""

    listen: list[Listen]
    protocols: str = "TLSv1.2 TLSv1.3"
    fallback_sni: str | None = None


def _ssl_config(apisix: dict[str, Any], node_listen: list[Listen]) -> SslConfig:
    """APISIX listens on 0.0.0.0 when an `apisix.ssl.listen` entry has no ip; here such an
    entry takes the ip of the first `node_listen` entry instead, so a gateway configured to
    serve loopback only keeps its HTTPS port on loopback too."""
    from .proxy.tls import protocol_range

    section = apisix.get("ssl") or {}
    if not isinstance(section, dict):
        raise ConfigError(f"invalid apisix.ssl: {section!r} (expected a mapping)")
    protocols = section.get("ssl_protocols", "TLSv1.2 TLSv1.3")
    try:
        protocol_range(str(protocols))
    except ValueError as exc:
        raise ConfigError(f"apisix.ssl: {exc}") from None
    fallback = section.get("fallback_sni")
    if section.get("enable", True) is False:
        return SslConfig([], str(protocols), fallback)
    default_ip = node_listen[0].ip if node_listen else "0.0.0.0"
    listen = [_listen(e, default_ip, "apisix.ssl.listen") for e in _as_list(section.get("listen"))]
    return SslConfig(listen, str(protocols), str(fallback) if fallback else None)


def _listen(entry: Any, default_ip: str, what: str) -> Listen:
    if isinstance(entry, int):
        return Listen(default_ip, entry)
    port_number = entry.get("port", entry.get("addr")) if isinstance(entry, dict) else None
    if isinstance(entry, dict) and isinstance(port_number, int):
        return Listen(str(entry.get("ip", default_ip)), port_number)
    address = entry.get("addr") if isinstance(entry, dict) else entry
    if isinstance(address, str):
        host, _, port = address.rpartition(":")
        if port.isdigit():
            return Listen(host.strip("[]") or default_ip, int(port))
    raise ConfigError(f"invalid {what}: {entry!r} (expected a port or {{ip, port}})")


def _stream_tcp_listen(entry: Any) -> Listen:
    listen = _listen(entry, "0.0.0.0", "apisix.stream_proxy.tcp")
    tls = entry.get("tls", False) if isinstance(entry, dict) else False
    if not isinstance(tls, bool):
        raise ConfigError(f"invalid apisix.stream_proxy.tcp tls: {tls!r} (expected true or false)")
    return Listen(listen.ip, listen.port, tls)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _workers(value: Any) -> int:
    if value == "auto":
        return os.cpu_count() or 1
    if isinstance(value, int) and value >= 1:
        return value
    raise ConfigError(f"invalid nginx_config.worker_processes: {value!r} (expected 'auto' or >= 1)")


def _control_listen(apisix: dict[str, Any]) -> Listen | None:
    enabled = apisix.get("enable_control", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"invalid apisix.enable_control: {enabled!r} (expected true or false)")
    if not enabled:
        return None
    control = apisix.get("control")
    if not isinstance(control, dict):
        raise ConfigError(f"invalid apisix.control: {control!r} (expected {{ip, port}})")
    ip, port = control.get("ip", "127.0.0.1"), control.get("port", 9090)
    if not isinstance(ip, str) or not ip:
        raise ConfigError(f"invalid apisix.control.ip: {ip!r}")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ConfigError(f"invalid apisix.control.port: {port!r} (expected 0 to 65535)")
    return Listen(ip, port)


def build_config(raw: dict[str, Any]) -> GatewayConfig:
    merged = _merge(DEFAULTS, raw)
    deployment = merged["deployment"]
    admin = deployment["admin"]
    keys = []
    for item in _as_list(admin.get("admin_key")):
        if not isinstance(item, dict) or not item.get("key"):
            raise ConfigError(f"invalid deployment.admin.admin_key entry: {item!r}")
        role = item.get("role", "admin")
        if role not in ("admin", "viewer"):
            raise ConfigError(f"invalid admin_key role {role!r} (expected admin or viewer)")
        keys.append(AdminKey(str(item.get("name", "")), str(item["key"]), role))
    version = admin.get("admin_api_version", "v3")
    if version not in ("v2", "v3"):
        raise ConfigError(f"invalid deployment.admin.admin_api_version: {version!r}")
    store = merged["gwconform"].get("store", "memory")
    if store not in ("memory", "etcd"):
        raise ConfigError(f"invalid gwconform.store: {store!r} (expected memory or etcd)")
    stream = merged["apisix"].get("stream_proxy") or {}
    etcd = deployment.get("etcd") or {}
    node_listen = [
        _listen(e, "0.0.0.0", "apisix.node_listen")
        for e in _as_list(merged["apisix"]["node_listen"])
    ]
    return GatewayConfig(
        raw=merged,
        admin_keys=keys,
        admin_key_required=bool(admin.get("admin_key_required", True)),
        allow_admin=[str(c) for c in _as_list(admin.get("allow_admin"))],
        admin_listen=_listen(admin.get("admin_listen"), "0.0.0.0", "deployment.admin.admin_listen"),
        admin_api_version=version,
        node_listen=node_listen,
        stream_listen=[_stream_tcp_listen(e) for e in _as_list(stream.get("tcp"))],
        stream_udp_listen=[
            _listen(e, "0.0.0.0", "apisix.stream_proxy.udp") for e in _as_list(stream.get("udp"))
        ],
        workers=_workers(merged["nginx_config"].get("worker_processes", 1)),
        store=store,
        data_dir=merged["gwconform"].get("data_dir"),
        etcd_hosts=[str(h) for h in _as_list(etcd.get("host"))],
        etcd_prefix=str(etcd.get("prefix", "/apisix")).rstrip("/") or "/apisix",
        etcd_timeout=float(etcd.get("timeout", 30)),
        ssl=_ssl_config(merged["apisix"], node_listen),
        control_listen=_control_listen(merged["apisix"]),
        limits=_limits(merged["nginx_config"]),
        enable_http2=_enable_http2(merged["apisix"]),
        dns_servers=dns_servers_of(merged),
    )


def _enable_http2(apisix: dict[str, Any]) -> bool:
    enabled = apisix.get("enable_http2", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"invalid apisix.enable_http2: {enabled!r} (expected true or false)")
    return enabled


def _limits(nginx_config: Any) -> ClientLimits:
    if not isinstance(nginx_config, dict):
        raise ConfigError(f"invalid nginx_config: {nginx_config!r} (expected a mapping)")
    try:
        return client_limits(nginx_config)
    except LimitError as exc:
        raise ConfigError(str(exc)) from None


def _loopback(ip: str) -> bool:
    if ip == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip.strip("[]")).is_loopback
    except ValueError:
        return False


def _loopback_network(entry: str) -> bool:
    try:
        network = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False  # parse_networks names the bad entry when the admin port is built
    return network.network_address.is_loopback and network.broadcast_address.is_loopback


def check_published_admin_key(config: GatewayConfig) -> None:
    """Refuse (ConfigError) to serve the Admin API with APISIX's published key where hosts
    other than this one can use it: `admin_listen` not on loopback and `allow_admin` letting
    non-loopback clients in (an empty list lets everyone in). APISIX up to 3.9 checks this
    key at start unless `allow_admin` is its loopback-only default or `admin_key_required`
    is false, but only warns, in the words used here; from 3.10 on it ships no key at all
    and generates one."""
    if not config.admin_key_required:
        return
    if not any(k.key == DEFAULT_ADMIN_KEY for k in config.admin_keys):
        return
    listen = config.admin_listen
    if _loopback(listen.ip):
        return
    if config.allow_admin and all(_loopback_network(e) for e in config.allow_admin):
        return
    allowed = ", ".join(config.allow_admin) or "everyone"
    raise ConfigError(
        f"{PUBLISHED_KEY_MESSAGE} (deployment.admin.admin_listen is {listen.ip}:{listen.port}"
        f" and allow_admin lets in {allowed})"
    )


def _etcd_host_from_env(raw: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    value = env.get(ETCD_HOST_ENV)
    if value is None:
        return raw
    try:
        hosts = json.loads(value)
    except ValueError:
        hosts = None
    if not isinstance(hosts, list) or not hosts or not all(isinstance(h, str) for h in hosts):
        raise ConfigError(
            f"invalid {ETCD_HOST_ENV}: {value!r} (expected a JSON list of URLs, "
            '["http://etcd:2379"])'
        )
    return _merge(raw, {"deployment": {"etcd": {"host": hosts}}})


def load_config(path: str | Path | None, env: dict[str, str] | None = None) -> GatewayConfig:
    """Read a config file (or none: APISIX's defaults) into a validated GatewayConfig."""
    env = dict(os.environ) if env is None else env
    if path is None:
        return build_config(_etcd_host_from_env({}, env))
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ConfigError(f"can't read config file {path}: {exc.strerror}") from None
    try:
        raw = yaml.safe_load(substitute_env(text, env)) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"config file {path} is not valid YAML: {exc}".replace("\n", " ")
        ) from None
    if not isinstance(raw, dict):
        raise ConfigError(f"config file {path} must be a YAML mapping")
    return build_config(_etcd_host_from_env(raw, env))


def dns_servers_of(raw: dict[str, Any]) -> list[str]:
    """config.yaml's `discovery.dns.servers` (`ip:port` of each), [] when not configured."""
    discovery = raw.get("discovery")
    dns = discovery.get("dns") if isinstance(discovery, dict) else None
    servers = dns.get("servers") if isinstance(dns, dict) else None
    if servers is None:
        return []
    if not isinstance(servers, list) or not servers or not all(isinstance(s, str) for s in servers):
        raise ConfigError("discovery.dns.servers: expected a non-empty list of ip:port strings")
    return list(servers)


def plugin_attr_of(raw: dict[str, Any]) -> dict[str, Any]:
    """config.yaml's `plugin_attr` (plugins' node-wide settings), {} when absent."""
    plugin_attr = raw.get("plugin_attr")
    return plugin_attr if isinstance(plugin_attr, dict) else {}
