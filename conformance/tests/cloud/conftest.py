"""Fixtures of the API7 Cloud scenarios: the Cloud client, a throw-away organization and
cluster, and the cluster whose gateway instance serves the target's data plane."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from .envelope import payload, unique_name


@pytest.fixture
def cloud(gw_target) -> Iterator[httpx.Client]:
    """A client of the Cloud API (`/api/v1`) with the target's token."""
    if not gw_target.cloud_url:
        pytest.skip("the target has no API7 Cloud URL (--cloud-url)")
    headers = {"Authorization": f"Bearer {gw_target.token}"} if gw_target.token else {}
    with httpx.Client(
        base_url=gw_target.cloud_url, headers=headers, timeout=gw_target.timeout
    ) as client:
        yield client


@pytest.fixture
def anonymous(gw_target) -> Iterator[httpx.Client]:
    """A client of the Cloud API without credentials."""
    if not gw_target.cloud_url:
        pytest.skip("the target has no API7 Cloud URL (--cloud-url)")
    with httpx.Client(base_url=gw_target.cloud_url, timeout=gw_target.timeout) as client:
        yield client


@pytest.fixture
def org(cloud: httpx.Client) -> Iterator[dict[str, Any]]:
    """A new organization, deleted (with all it holds) after the test."""
    created = payload(cloud.post("/orgs", json={"name": unique_name("org")}))
    yield created
    cloud.delete(f"/orgs/{created['id']}")


@pytest.fixture
def cluster(cloud: httpx.Client, org: dict[str, Any]) -> dict[str, Any]:
    """A new cluster of the test's organization (no gateway instance serves it)."""
    return payload(cloud.post(f"/orgs/{org['id']}/clusters", json={"name": "conformance"}))


@pytest.fixture
def served_cluster(cloud: httpx.Client, gw_target) -> dict[str, Any]:
    """The cluster a gateway instance is connected to: its APIs are the data plane's."""
    if not gw_target.data_plane_url:
        pytest.skip("the target has no data plane URL (--data-plane-url)")
    for org_id in payload(cloud.get("/user/me"))["org_ids"]:
        clusters = payload(cloud.get(f"/orgs/{org_id}/clusters", params={"page_size": 100}))
        for cluster in clusters["list"]:
            if payload(cloud.get(f"/clusters/{cluster['id']}/instances"))["list"]:
                return cluster
    pytest.fail("no cluster of the user's organizations has a gateway instance connected")


@pytest.fixture
def cleanup(cloud: httpx.Client) -> Iterator[Callable[[str], None]]:
    """Register Cloud paths to DELETE (with cascade) after the test, newest first."""
    paths: list[str] = []
    yield paths.append
    for path in reversed(paths):
        with contextlib.suppress(httpx.HTTPError):
            cloud.delete(path, params={"cascade": "true"})
