"""Shared fixtures of the data plane scenarios: echo upstreams and a unique path prefix."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from conformance.support.echo_upstream import EchoUpstream
from conformance.support.ids import unique_id
from conformance.support.vault_standin import VaultStandIn


@pytest.fixture
def echoes() -> Iterator[Callable[..., list[EchoUpstream]]]:
    """Start echo upstreams by name: `a, b = echoes("a", "b")`; all stop after the test."""
    started: list[EchoUpstream] = []

    def start(*names: str) -> list[EchoUpstream]:
        servers = [EchoUpstream(name).start() for name in names]
        started.extend(servers)
        return servers

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def echo(echoes) -> EchoUpstream:
    return echoes("echo")[0]


@pytest.fixture
def vault() -> Iterator[VaultStandIn]:
    """The suite's Vault stand-in on loopback, for `$secret://vault/...` references."""
    with VaultStandIn() as server:
        yield server


@pytest.fixture
def tag() -> str:
    """A unique first path segment (and id prefix) so routes of different tests never overlap."""
    return unique_id("dp")


@pytest.fixture
def stream_addr(gw_target) -> tuple[str, int]:
    if not gw_target.stream_addr:
        pytest.skip("the target has no stream proxy address (--stream-addr)")
    return gw_target.stream_addr


@pytest.fixture
def stream_tls_addr(gw_target) -> tuple[str, int]:
    if not gw_target.stream_tls_addr:
        pytest.skip("the target has no TLS stream proxy address (--stream-tls-addr)")
    return gw_target.stream_tls_addr


@pytest.fixture
def stream_udp_addr(gw_target) -> tuple[str, int]:
    if not gw_target.stream_udp_addr:
        pytest.skip("the target has no UDP stream proxy address (--stream-udp-addr)")
    return gw_target.stream_udp_addr
