"""The fixtures conformance tests use: gw_target, admin, viewer, dataplane, gw_options."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from .admin_client import CleanupRecorder, admin_client
from .session import RunState
from .target import RunOptions, Target, TargetError

STATE_KEY = pytest.StashKey[RunState]()


def run_state(config: pytest.Config) -> RunState:
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        raise pytest.UsageError("gwconform: the conformance run was not set up")
    return state


@pytest.fixture(scope="session")
def gw_profile(request: pytest.FixtureRequest) -> str:
    """The profile whose target the test runs against (apisix-v2 tests get the v2 gateway)."""
    return getattr(request, "param", None) or run_state(request.config).default_profile


@pytest.fixture(scope="session")
def gw_target(request: pytest.FixtureRequest, gw_profile: str) -> Target:
    try:
        return run_state(request.config).target(gw_profile)
    except TargetError as exc:
        pytest.exit(f"gwconform: {exc}", returncode=3)


@pytest.fixture(scope="session")
def gw_options(request: pytest.FixtureRequest) -> RunOptions:
    return run_state(request.config).options


@pytest.fixture
def admin(gw_target: Target) -> Iterator[httpx.Client]:
    """Admin API client; what a test creates through it is force-deleted afterwards."""
    if not gw_target.admin_url:
        pytest.skip("the target has no admin URL (--admin-url)")
    recorder = CleanupRecorder()
    with admin_client(
        gw_target.admin_url, gw_target.admin_key, gw_target.timeout, recorder
    ) as client:
        yield client
    with admin_client(gw_target.admin_url, gw_target.admin_key, gw_target.timeout) as cleaner:
        recorder.cleanup(cleaner)


@pytest.fixture
def viewer(gw_target: Target) -> Iterator[httpx.Client]:
    if not gw_target.admin_url or not gw_target.viewer_key:
        pytest.skip("the target has no viewer key (--viewer-key)")
    with admin_client(gw_target.admin_url, gw_target.viewer_key, gw_target.timeout) as client:
        yield client


@pytest.fixture
def dataplane(gw_target: Target) -> Iterator[httpx.Client]:
    if not gw_target.data_plane_url:
        pytest.skip("the target has no data plane URL (--data-plane-url)")
    with httpx.Client(base_url=gw_target.data_plane_url, timeout=gw_target.timeout) as client:
        yield client
