"""Fixtures of the API7 Enterprise scenarios: `dashboard` (an httpx client on the target's
`/api` with its admin key), `ee` (builders that clean up after the test) and echoes."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from conformance.support.echo_upstream import EchoUpstream

from .ee_client import Api7
from .portal_client import Provider


@pytest.fixture
def dashboard(gw_target) -> Iterator[httpx.Client]:
    if not gw_target.dashboard_url:
        pytest.skip("the target has no dashboard URL (--dashboard-url)")
    headers = {"X-API-KEY": gw_target.admin_key} if gw_target.admin_key else {}
    base = gw_target.dashboard_url.rstrip("/") + "/api"
    with httpx.Client(
        base_url=base, headers=headers, timeout=max(gw_target.timeout, 10.0)
    ) as client:
        yield client


@pytest.fixture
def ee(dashboard, gw_target) -> Iterator[Api7]:
    api = Api7(dashboard, gw_target.dashboard_url, gw_target.timeouts)
    yield api
    api.cleanup()


@pytest.fixture
def echoes() -> Iterator[Callable[..., list[EchoUpstream]]]:
    started: list[EchoUpstream] = []

    def start(*names: str) -> list[EchoUpstream]:
        servers = [EchoUpstream(name).start() for name in names]
        started.extend(servers)
        return servers

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def provider(ee) -> Iterator[Provider]:
    portal = Provider(ee)
    yield portal
    portal.cleanup()


@pytest.fixture
def portal_api_url(gw_target) -> str:
    if not gw_target.portal_api_url:
        pytest.skip("the target has no developer portal backend URL (--portal-api-url)")
    return str(gw_target.portal_api_url).rstrip("/")
