"""Two control planes on one etcd, as a highly available API7 deployment runs them: a name
that must be unique (an IAM username, a Cloud consumer's name in its cluster) stays unique
when both are asked for it at the same moment. The store keeps the invariant, not a lock
inside one process."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

import httpx
import pytest

from conformance.providers.embedded import ADMIN_KEY

from .served import ServedGateway

ROUNDS = 50

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Linux process semantics")

Claim = Callable[[httpx.Client, str], int]  # (client of one control plane, name) -> status


def _race(planes: list[ServedGateway], claim: Claim, name: str) -> list[int]:
    """`claim(name)` on every control plane at once; the statuses."""
    statuses: list[int] = []
    barrier = threading.Barrier(len(planes))

    def run(plane: ServedGateway) -> None:
        with plane.admin(timeout=30) as client:
            client.get("/apisix/admin/routes")  # connected before the race starts
            barrier.wait()
            statuses.append(claim(client, name))

    threads = [threading.Thread(target=run, args=(plane,)) for plane in planes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def _invite(client: httpx.Client, name: str) -> int:
    body = {"username": name, "password": "pw-two-planes-1", "roles": ["viewer"]}
    return client.post("/api/invites", json=body).status_code


def _users_named(client: httpx.Client, name: str) -> int:
    listed = client.get("/api/users", params={"search": name, "page_size": 100}).json()
    return sum(user["username"] == name for user in listed["list"])


def _cloud(client: httpx.Client) -> tuple[dict[str, str], str]:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    org_id = client.get("/api/v1/user/me", headers=headers).json()["payload"]["org_ids"][0]
    clusters = client.get(f"/api/v1/orgs/{org_id}/clusters", headers=headers).json()
    cluster_id = next(c["id"] for c in clusters["payload"]["list"] if c["name"] == "default")
    return headers, f"/api/v1/clusters/{cluster_id}/consumers"


def _consumer(client: httpx.Client, name: str) -> int:
    headers, path = _cloud(client)
    return client.post(path, json={"name": name}, headers=headers).status_code


def _consumers_named(client: httpx.Client, name: str) -> int:
    headers, path = _cloud(client)
    listed = client.get(path, params={"page_size": 100}, headers=headers).json()["payload"]
    return sum(consumer["name"] == name for consumer in listed["list"])


@pytest.mark.parametrize(
    ("what", "claim", "count"),
    [("IAM username", _invite, _users_named), ("Cloud consumer name", _consumer, _consumers_named)],
)
def test_a_name_claimed_on_two_control_planes_at_once_is_given_once(
    tmp_path, etcd, what: str, claim: Claim, count: Callable[[httpx.Client, str], int]
) -> None:
    planes = []
    for index in range(2):
        workdir = tmp_path / f"plane{index}"
        workdir.mkdir()
        planes.append(ServedGateway(workdir, etcd_url=etcd.client_url))
    duplicated, refused = [], 0
    try:
        for round_ in range(ROUNDS):
            name = f"racer{round_}"
            statuses = _race(planes, claim, name)
            assert all(status < 500 for status in statuses), statuses
            refused += sum(status >= 400 for status in statuses)
            with planes[0].admin() as client:
                if count(client, name) != 1:
                    duplicated.append(name)
    finally:
        for plane in planes:
            plane.stop()
    assert duplicated == [], f"{len(duplicated)} of {ROUNDS} rounds gave a {what} twice"
    print(
        f"two control planes on one etcd: {ROUNDS} rounds racing for a {what}, 0 duplicates "
        f"({refused} claims refused)"
    )
