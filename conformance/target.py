"""The gateway under test: its endpoints, credentials and claims, and the run's options."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .features import PROFILES, UnknownFeatureError, get_profile, parse_feature_list
from .options import TARGET_FILE_KEYS
from .report.identity import Implementation
from .timeouts import DEFAULT_TIMEOUT, TimeoutConfig

SPEC_PROFILE = "openapi"  # the tests of a spec given with --spec; run only when one is given
DEFAULT_MAX_EXAMPLES = 25
# A run is reproducible unless the user asks otherwise: the same suite version, target and
# options generate the same requests. `--seed random` draws a fresh one (and prints it).
DEFAULT_SEED = 0
RANDOM_SEED = "random"
# the docker provider's defaults: APISIX's own image, and etcd's
DEFAULT_GATEWAY_IMAGE = "apache/apisix:3.x-debian"
DEFAULT_ETCD_IMAGE = "quay.io/coreos/etcd:v3.5.17"
DOCKER_ONLY = ("images", "etcd_image", "gateway_config", "admin_port", "data_plane_port")


class TargetError(Exception):
    """A target that cannot be used (bad option, unreachable, failed to start): one line."""


@dataclass(frozen=True)
class Target:
    """One gateway endpoint set, as the tests see it (the `gw_target` fixture)."""

    admin_url: str | None
    admin_key: str | None
    viewer_key: str | None = None
    data_plane_url: str | None = None
    stream_addr: tuple[str, int] | None = None
    stream_tls_addr: tuple[str, int] | None = None  # TLS over TCP, routes matched by SNI
    stream_udp_addr: tuple[str, int] | None = None
    dashboard_url: str | None = None
    cloud_url: str | None = None
    portal_api_url: str | None = None  # the developer portal backend (portal tokens)
    token: str | None = None
    prometheus_url: str | None = None  # the data plane's metrics export
    otel_collector: str | None = None  # HOST:PORT the gateway sends OTLP traces to
    secret_env: str | None = None  # NAME=VALUE of a variable in the gateway's environment
    dns_server: str | None = None  # HOST:PORT of the gateway's discovery.dns.servers
    redis_url: str | None = None  # a Redis for the redis policies (redis://HOST:PORT)
    redis_cluster_nodes: tuple[str, ...] = ()  # a Redis Cluster's HOST:PORT nodes
    data_plane_tls_url: str | None = None  # the data plane's HTTPS port (SNI certificates)
    name: str = "unknown"
    version: str = "unknown"
    profiles: tuple[str, ...] = ()
    features: frozenset[str] = frozenset()
    timeouts: TimeoutConfig = field(default_factory=TimeoutConfig)
    admin_api_version: str = "v3"

    @property
    def timeout(self) -> float:
        """The limit of one request to the target."""
        return self.timeouts.apply

    def urls(self) -> dict[str, str]:
        named = {
            "admin": self.admin_url,
            "data_plane": self.data_plane_url,
            "dashboard": self.dashboard_url,
            "cloud": self.cloud_url,
            "portal api": self.portal_api_url,
            "prometheus": self.prometheus_url,
            "redis": self.redis_url,
            "redis cluster": ",".join(self.redis_cluster_nodes) or None,
            "stream": _address(self.stream_addr),
            "stream TLS": _address(self.stream_tls_addr),
            "stream UDP": _address(self.stream_udp_addr),
        }
        return {key: value for key, value in named.items() if value}


def _address(addr: tuple[str, int] | None) -> str | None:
    return f"{addr[0]}:{addr[1]}" if addr else None


@dataclass(frozen=True)
class TargetSettings:
    """What the user said about the target (options and target file merged)."""

    admin_url: str | None = None
    admin_v2_url: str | None = None
    admin_key: str | None = None
    viewer_key: str | None = None
    token: str | None = None
    data_plane_url: str | None = None
    stream_addr: str | None = None
    stream_tls_addr: str | None = None
    stream_udp_addr: str | None = None
    dashboard_url: str | None = None
    cloud_url: str | None = None
    portal_api_url: str | None = None
    prometheus_url: str | None = None
    otel_collector: str | None = None
    secret_env: str | None = None
    dns_server: str | None = None
    redis_url: str | None = None
    redis_cluster_nodes: tuple[str, ...] = ()
    name: str | None = None
    store: str = "memory"
    timeouts: TimeoutConfig = field(default_factory=TimeoutConfig)
    implementation: Implementation = field(default_factory=Implementation)
    mode: str = "default"
    chosen_provider: str | None = None  # --provider; None: url when URLs are given
    # the docker provider's gateway images (one per run; gwconform run splits a matrix),
    # its etcd image, the user's config.yaml to merge under the generated one, fixed ports
    images: tuple[str, ...] = ()
    etcd_image: str | None = None  # None: the gateway image's own etcd, else etcd's image
    gateway_config: str | None = None
    admin_port: int | None = None
    data_plane_port: int | None = None
    keep_containers: bool = False

    @property
    def urls_given(self) -> bool:
        return any((self.admin_url, self.data_plane_url, self.dashboard_url, self.cloud_url))

    @property
    def provider(self) -> str:
        if self.chosen_provider:
            return self.chosen_provider
        return "url" if self.urls_given else "embedded"


@dataclass(frozen=True)
class RunOptions:
    """The run's options (the `gw_options` fixture)."""

    profiles: tuple[str, ...] = ()
    supported_features: frozenset[str] = frozenset()
    only_features: frozenset[str] = frozenset()
    run_tests: tuple[str, ...] = ()
    skip_tests: frozenset[str] = frozenset()
    exempt_features: frozenset[str] = frozenset()
    seed: int = DEFAULT_SEED
    max_examples: int | None = None  # None: each kind of test's own default
    spec: str | None = None
    target: str | None = None
    report_dir: Path = Path("reports")
    settings: TargetSettings = field(default_factory=TargetSettings)
    omit_urls: bool = False


def read_yaml_mapping(path: str, what: str, expected: str = "a YAML mapping") -> dict[str, Any]:
    """A YAML file holding a mapping (empty: {}); TargetError naming `what` otherwise."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise TargetError(f"can't read {what} {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        reason = " ".join(str(exc).split())
        raise TargetError(f"{what} {path} is not valid YAML: {reason}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TargetError(f"{what} {path} must be {expected}")
    return data


def load_target_file(path: str) -> dict[str, Any]:
    """Read a target file: YAML with the same fields as the command line options."""
    data = read_yaml_mapping(path, "target file", "a mapping of option names to values")
    data = {str(key).replace("-", "_"): value for key, value in data.items()}
    unknown = sorted(set(data) - TARGET_FILE_KEYS)
    if unknown:
        raise TargetError(f"target file {path}: unknown field(s) {', '.join(unknown)}")
    return data


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    raise TargetError(f"expected a list or a comma-separated string, got {value!r}")


def _check_secret_env(value: str | None) -> str | None:
    if value is None:
        return None
    name, sep, _ = str(value).partition("=")
    if not sep or not name or not name.replace("_", "").isalnum():
        raise TargetError(f"secret env {value!r} must be NAME=VALUE")
    return str(value)


def _check_redis_url(value: str | None) -> str | None:
    if not value:
        return None
    try:
        parts = urlsplit(value)
        valid = parts.scheme == "redis" and bool(parts.hostname) and parts.port is not None
    except ValueError:
        valid = False
    if not valid:
        raise TargetError(f"redis URL {value!r} must be redis://HOST:PORT")
    return value


def _check_redis_nodes(values: list[str]) -> tuple[str, ...]:
    nodes = tuple(node for value in values for node in value.replace(",", " ").split())
    for node in nodes:
        host, _, port = node.rpartition(":")
        if not host or not port.isdigit():
            raise TargetError(f"redis cluster node {node!r} must be HOST:PORT")
    return nodes


def _optional_text(value: Any) -> str | None:
    """A scalar of the target file (a YAML version 3.10 is a number) as text."""
    if value is None:
        return None
    if isinstance(value, dict | list):
        raise TargetError(f"expected text, got {value!r}")
    return str(value)


def parse_stream_addr(value: str | None, what: str = "stream address") -> tuple[str, int] | None:
    if not value:
        return None
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise TargetError(f"{what} {value!r} must be HOST:PORT")
    return host.strip("[]"), int(port)


def parse_seed(value: object) -> int:
    """The run's seed: a whole number, `random` for a fresh one, or the default when None."""
    if value is None:
        return DEFAULT_SEED
    if isinstance(value, int) and not isinstance(value, bool):
        seed = value
    elif str(value).strip().lower() == RANDOM_SEED:
        return random.randrange(2**31)
    else:
        try:
            seed = int(str(value).strip())
        except ValueError:
            raise TargetError(f"seed {value!r} must be a whole number or 'random'") from None
    if not 0 <= seed < 2**32:
        raise TargetError(f"seed {seed} must be between 0 and {2**32 - 1}")
    return seed


def _check_url(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    if not value.startswith(("http://", "https://")):
        raise TargetError(f"{name} {value!r} must be an http:// or https:// URL")
    return value.rstrip("/")


def _check_port(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not str(value).isdigit() or not 1 <= int(value) <= 65535:
        raise TargetError(f"{name} {value!r} must be a port number from 1 to 65535")
    return int(value)


def _flag(key: str) -> str:
    return "--image" if key == "images" else "--" + key.replace("_", "-")


def _check_provider(settings: TargetSettings, given: set[str]) -> TargetSettings:
    """Refuse options the chosen provider would not use; fill in the docker defaults."""
    provider = settings.provider
    if provider not in ("embedded", "url", "docker"):
        raise TargetError(f"provider {provider!r} must be embedded, url or docker")
    if settings.keep_containers:
        given = given | {"keep_containers"}
    if provider != "docker" and given:
        flags = ", ".join(_flag(key) for key in sorted(given))
        raise TargetError(f"{flags} only apply to --provider docker")
    if provider == "url" and not settings.urls_given:
        raise TargetError("--provider url needs --admin-url, --data-plane-url or another URL")
    if provider != "url" and settings.urls_given:
        raise TargetError(f"--provider {provider} starts its own gateway: give no --admin-url etc.")
    if provider != "embedded" and settings.store != "memory":
        raise TargetError("--store only applies to the embedded target")
    if provider == "docker":
        if settings.gateway_config and not Path(settings.gateway_config).is_file():
            raise TargetError(f"gateway config {settings.gateway_config} is not a file")
        if not settings.images:
            settings = replace(settings, images=(DEFAULT_GATEWAY_IMAGE,))
    return settings


def build_run_options(cli: dict[str, Any]) -> RunOptions:
    """Merge command line values (None/empty when not given) over the target file."""
    file_values = load_target_file(cli["target_file"]) if cli.get("target_file") else {}

    def pick(key: str, default: Any = None) -> Any:
        value = cli.get(key)
        if value not in (None, [], ()) and value is not False:  # False: a flag not given
            return value
        return file_values.get(key, default)

    try:
        profiles = tuple(dict.fromkeys(_as_list(pick("profiles"))))
        for name in profiles:
            get_profile(name)
        supported = parse_feature_list(_as_list(pick("supported_features")))
        only = parse_feature_list(_as_list(cli.get("only_features")))
        exempt = parse_feature_list(_as_list(pick("exempt_features")))
    except UnknownFeatureError as exc:
        raise TargetError(str(exc)) from None
    store = pick("store", "memory")
    if store not in ("memory", "etcd"):
        raise TargetError(f"store {store!r} must be memory or etcd")
    timeout = float(pick("timeout", DEFAULT_TIMEOUT))
    if timeout <= 0:
        raise TargetError("timeout must be a positive number of seconds")
    settings = TargetSettings(
        admin_url=_check_url("admin URL", pick("admin_url")),
        admin_v2_url=_check_url("admin v2 URL", pick("admin_v2_url")),
        admin_key=pick("admin_key"),
        viewer_key=pick("viewer_key"),
        token=pick("token"),
        data_plane_url=_check_url("data plane URL", pick("data_plane_url")),
        stream_addr=pick("stream_addr"),
        stream_tls_addr=pick("stream_tls_addr"),
        stream_udp_addr=pick("stream_udp_addr"),
        dashboard_url=_check_url("dashboard URL", pick("dashboard_url")),
        cloud_url=_check_url("cloud URL", pick("cloud_url")),
        portal_api_url=_check_url("portal API URL", pick("portal_api_url")),
        prometheus_url=_check_url("prometheus URL", pick("prometheus_url")),
        otel_collector=pick("otel_collector"),
        secret_env=_check_secret_env(pick("secret_env")),
        dns_server=pick("dns_server"),
        redis_url=_check_redis_url(pick("redis_url")),
        redis_cluster_nodes=_check_redis_nodes(_as_list(pick("redis_cluster_nodes"))),
        name=pick("name"),
        store=store,
        timeouts=TimeoutConfig(apply=timeout),
        implementation=Implementation(
            organization=_optional_text(pick("organization")),
            project=_optional_text(pick("project")),
            url=_optional_text(pick("project_url")),
            version=_optional_text(pick("implementation_version")),
            contact=_as_list(pick("contact")),
        ),
        mode=str(pick("mode", "default")),
        chosen_provider=pick("provider"),
        images=tuple(dict.fromkeys(_as_list(pick("images")))),
        etcd_image=pick("etcd_image"),
        gateway_config=pick("gateway_config"),
        admin_port=_check_port("admin port", pick("admin_port")),
        data_plane_port=_check_port("data plane port", pick("data_plane_port")),
        keep_containers=bool(pick("keep_containers", False)),
    )
    parse_stream_addr(settings.stream_addr)
    parse_stream_addr(settings.stream_tls_addr, "TLS stream address")
    parse_stream_addr(settings.stream_udp_addr, "UDP stream address")
    parse_stream_addr(settings.otel_collector, "OTLP collector address")
    parse_stream_addr(settings.dns_server, "DNS server address")
    settings = _check_provider(settings, given={key for key in DOCKER_ONLY if pick(key)})
    max_examples = cli.get("max_examples")
    if max_examples is not None and int(max_examples) < 1:
        raise TargetError("max examples must be at least 1")
    options = RunOptions(
        profiles=profiles,
        supported_features=frozenset(supported),
        only_features=frozenset(only),
        run_tests=tuple(cli.get("run_tests") or ()),
        skip_tests=frozenset(_as_list(pick("skip_tests"))),
        exempt_features=frozenset(exempt),
        max_examples=None if max_examples is None else int(max_examples),
        spec=cli.get("spec"),
        target=_check_url("spec target URL", cli.get("target")),
        report_dir=Path(cli.get("report_dir") or "reports"),
        seed=parse_seed(cli.get("seed")),
        settings=settings,
        omit_urls=bool(pick("omit_urls", False)),
    )
    if options.spec and not Path(options.spec).is_file():
        raise TargetError(f"spec {options.spec} is not a file")
    return options


def claimed_profiles(options: RunOptions) -> tuple[str, ...]:
    """Profiles the run covers: the ones asked for, else the --spec profile when a spec is
    given, else every profile the target claims."""
    if options.profiles:
        return options.profiles
    if options.spec:
        return (SPEC_PROFILE,)
    settings = options.settings
    if settings.provider == "embedded":
        return tuple(name for name in PROFILES if name != SPEC_PROFILE)
    if settings.provider == "docker":
        return ("apisix-v3", "dataplane")  # what an APISIX image serves
    claimed = []
    if settings.admin_url:
        claimed.append("apisix-v3")
    if settings.admin_v2_url:
        claimed.append("apisix-v2")
    if settings.data_plane_url:
        claimed.append("dataplane")
    if settings.dashboard_url:
        claimed.append("api7ee")
    if settings.cloud_url:
        claimed.append("api7cloud")
    return tuple(claimed)
