"""The options of a conformance run, declared once.

One table gives the `gwconform run` flags, the pytest plugin's `--gw-*` options (for
`pytest --pyargs conformance.tests`) and the keys a target file may hold, so an option is
spelled in one place. `target.build_run_options` turns the values into RunOptions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:  # the CLI imports this table; pytest loads only when a run starts
    import pytest

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Option:
    """One option of a run: its keyword (`admin_url`), help, and where it may be given."""

    name: str
    help: str
    flag: str | None = None  # the command-line flag, when not --name-with-dashes
    repeatable: bool = False  # given several times, a list
    kind: type = str
    choices: tuple[str, ...] = ()
    in_target_file: bool = False
    on_command_line: bool = True

    @property
    def cli_flag(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    @property
    def pytest_flag(self) -> str:
        return "--gw-" + self.cli_flag.removeprefix("--")

    @property
    def dest(self) -> str:
        return "gw_" + self.name

    @property
    def envvar(self) -> str:
        """`gwconform run` also reads the option from this variable (keys stay off the
        command line and out of shell history)."""
        return "GWCONFORM_" + self.name.upper()


def _endpoint(name: str, help_text: str) -> Option:
    return Option(name, help_text, in_target_file=True)


OPTIONS: tuple[Option, ...] = (
    _endpoint("admin_url", "Admin API base URL of your gateway (without /apisix/admin)"),
    _endpoint("admin_v2_url", "Admin API URL of a 2.x gateway, for the apisix-v2 profile"),
    _endpoint("admin_key", "admin X-API-KEY"),
    _endpoint("viewer_key", "viewer X-API-KEY (giving it claims admin-viewer-role)"),
    _endpoint("token", "API token for the dashboard and cloud APIs"),
    _endpoint("data_plane_url", "data plane base URL, e.g. http://127.0.0.1:9080"),
    _endpoint("stream_addr", "stream proxy HOST:PORT (giving it claims dp-stream)"),
    _endpoint(
        "stream_tls_addr",
        "TLS-over-TCP stream proxy HOST:PORT (a `stream_proxy.tcp` entry with `tls: true`; "
        "giving it claims dp-stream-sni)",
    ),
    _endpoint("stream_udp_addr", "UDP stream proxy HOST:PORT (giving it claims dp-stream-udp)"),
    _endpoint("dashboard_url", "API7 dashboard base URL"),
    _endpoint("cloud_url", "API7 Cloud base URL"),
    _endpoint(
        "portal_api_url",
        "API7 developer portal backend base URL (without /api; giving it claims "
        "ee-portal-developer)",
    ),
    _endpoint("prometheus_url", "the data plane's metrics URL (giving it claims dp-prometheus)"),
    _endpoint(
        "otel_collector",
        "HOST:PORT of the gateway's plugin_attr.opentelemetry.collector.address, where a test "
        "listens (giving it claims dp-plugin-opentelemetry)",
    ),
    _endpoint(
        "secret_env", "NAME=VALUE of an environment variable the gateway's workers see (APISIX: "
        "listed in nginx_config.envs), for `$env://NAME` references (giving it claims "
        "dp-secret-refs-env)",
    ),
    _endpoint(
        "dns_server",
        "HOST:PORT of the gateway's discovery.dns.servers, where a test serves DNS records "
        "(giving it claims dp-discovery-dns)",
    ),
    _endpoint(
        "redis_url", "redis://HOST:PORT of a Redis both the gateway and the suite reach, for "
        "the dp-plugin-*-redis features (the embedded target starts one)",
    ),
    _endpoint(
        "redis_cluster_nodes", "HOST:PORT,... of a Redis Cluster both the gateway and the "
        "suite reach, for the dp-plugin-*-redis-cluster features",
    ),
    Option("name", "the target's name in the report", in_target_file=True, on_command_line=False),
    # who and what is certified, as in the Gateway API's ConformanceReport `implementation`
    Option("organization", "the organization that makes the gateway (report)", in_target_file=True),
    Option("project", "the gateway's project name (report)", in_target_file=True),
    Option("project_url", "the gateway's project URL (report)", in_target_file=True),
    Option(
        "implementation_version", "the gateway's version, as released (report)",
        in_target_file=True,
    ),
    Option(
        "contact", "who to contact about the report (repeatable)", repeatable=True,
        in_target_file=True,
    ),
    Option("mode", "the gateway's mode of operation being tested (default: default)",
           in_target_file=True),
    Option(
        "omit_urls", "leave the target's URLs out of the report", kind=bool, in_target_file=True
    ),
    Option(
        "profiles", "profile to run (repeatable)", flag="--profile", repeatable=True,
        in_target_file=True,
    ),
    Option(
        "supported_features", "Extended features your gateway claims (comma list, repeatable, "
        "or 'all')", repeatable=True, in_target_file=True,
    ),
    Option("only_features", "run only these features' tests", flag="--feature", repeatable=True),
    Option("run_tests", "run only this test (repeatable)", flag="--run-test", repeatable=True),
    Option(
        "skip_tests", "skip this test (repeatable; shown in the report)", flag="--skip-test",
        repeatable=True, in_target_file=True,
    ),
    Option(
        "exempt_features", "skip the tests of these features (comma list, repeatable; shown "
        "in the report)", flag="--exempt-feature", repeatable=True, in_target_file=True,
    ),
    Option("target_file", "YAML file with the same fields"),
    Option("store", "embedded target's store", choices=("memory", "etcd"), in_target_file=True),
    Option(
        "provider", "where the gateway comes from (default: url when URLs are given, else "
        "embedded)", choices=("embedded", "url", "docker"), in_target_file=True,
    ),
    Option(
        "images", "docker: gateway image (repeatable: one run and report per image; default "
        "apache/apisix:3.x-debian)", flag="--image", repeatable=True, in_target_file=True,
    ),
    Option(
        "etcd_image", "docker: etcd image, with etcd on its PATH (default: the gateway image "
        "when it is labelled gwconform.etcd, else quay.io/coreos/etcd:v3.5.17)",
        in_target_file=True,
    ),
    Option(
        "gateway_config", "docker: a config.yaml the generated one is merged over",
        in_target_file=True,
    ),
    Option("admin_port", "docker: Admin API port (default: a free one)", kind=int, in_target_file=True),
    Option(
        "data_plane_port", "docker: data plane port (default: a free one)", kind=int,
        in_target_file=True,
    ),
    Option(
        "keep_containers", "docker: leave the containers after the run", kind=bool,
        in_target_file=True,
    ),
    Option("spec", "OpenAPI spec for the spec-driven tests"),
    Option("target", "base URL the --spec tests send requests to"),
    Option("max_examples", "generated examples per test", kind=int),
    Option(
        "seed",
        "seed of the generated requests: a number (default 0, so runs repeat) or 'random'; "
        "printed at the start and in the report",
    ),
    Option(
        "timeout", "seconds to wait for configuration to apply", kind=float, in_target_file=True
    ),
    Option("report_dir", "where the reports are written (default: reports)"),
)  # fmt: skip

TARGET_FILE_KEYS = frozenset(option.name for option in OPTIONS if option.in_target_file)


def click_options(command: F) -> F:
    """Decorate a click command with every command-line option of the table."""
    for option in reversed(OPTIONS):
        if not option.on_command_line:
            continue
        if option.kind is bool:
            command = click.option(
                option.cli_flag,
                option.name,
                is_flag=True,
                default=None,
                help=option.help,
                envvar=option.envvar,
                show_envvar=True,
            )(command)
            continue
        kind: Any = option.kind
        if option.choices:
            kind = click.Choice(option.choices)
        elif option.kind is int:
            kind = click.IntRange(min=1)
        command = click.option(
            option.cli_flag,
            option.name,
            type=kind,
            multiple=option.repeatable,
            help=option.help,
            envvar=option.envvar,
            show_envvar=True,
        )(command)
    return command


def add_pytest_options(group: Any) -> None:
    """The same options for pytest, spelled --gw-*."""
    for option in OPTIONS:
        if not option.on_command_line:
            continue
        extra: dict[str, Any] = {"choices": list(option.choices)} if option.choices else {}
        if option.kind is bool:
            action = "store_true"
        else:
            action = "append" if option.repeatable else "store"
            if option.kind is not str:
                extra["type"] = option.kind
        group.addoption(
            option.pytest_flag,
            dest=option.dest,
            action=action,
            default=[] if option.repeatable else None,
            help=option.help,
            **extra,
        )


def values_from_pytest(config: pytest.Config) -> dict[str, Any]:
    """The table's values as pytest parsed them (None or [] where not given)."""
    return {
        option.name: config.getoption(option.dest) for option in OPTIONS if option.on_command_line
    }
