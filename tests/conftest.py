"""Fixtures shared across the project's tests: real etcd servers, and a Ctx for the proxy
routing and plugin tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from conformance.providers.etcd_process import EtcdError, EtcdProcess
from reference_impl.proxy.plugin_api import Ctx, Request
from reference_impl.proxy.variables import Variables

CtxFactory = Callable[..., Ctx]


@pytest.fixture
def make_ctx() -> CtxFactory:
    """A Ctx for a request: make_ctx("GET", "/path?q=1", headers={...}, remote="10.0.0.1")."""
    variables = Variables()

    def build(
        method: str = "GET",
        target: str = "/",
        headers: dict[str, str] | None = None,
        remote: str = "127.0.0.1",
        server_port: int = 9080,
    ) -> Ctx:
        path, _, query = target.partition("?")
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        lowered.setdefault("host", "localhost")
        request = Request(method, path, query, lowered, remote, 40000, "127.0.0.1", server_port)
        return Ctx(request, variables)

    return build


def _etcd() -> EtcdProcess:
    try:
        return EtcdProcess(fsync=False)  # tests survive etcd's restarts, not the machine's
    except EtcdError as exc:
        pytest.skip(str(exc))


@pytest.fixture
def etcd() -> Iterator[EtcdProcess]:
    """A real etcd of the test's own on loopback, which the test may stop and start."""
    with _etcd() as server:
        yield server


@pytest.fixture(scope="session")
def shared_etcd() -> Iterator[EtcdProcess]:
    """One real etcd for the session; tests sharing it write under key prefixes of their own."""
    with _etcd() as server:
        yield server
