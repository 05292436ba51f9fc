"""Many clients writing at once through the Admin API, on memory and on a real etcd: no merge
of concurrent PATCHes is lost, concurrent POSTs get distinct ids, and a PUT never conflicts
(APISIX's PUT writes whatever else is being written)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from .served import ServedGateway

PATCHERS, PATCHES = 8, 25
PATCH_ATTEMPTS = 20  # a client's own retries of a PATCH refused with 409
POSTERS, POSTS = 16, 100
PUTTERS, PUTS = 16, 100
UPSTREAM = {"nodes": {"127.0.0.1:1": 1}}

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Linux process semantics")


@pytest.fixture(params=["memory", "etcd"])
def gateway(request: pytest.FixtureRequest, tmp_path) -> Iterator[ServedGateway]:
    etcd_url = request.getfixturevalue("etcd").client_url if request.param == "etcd" else None
    served = ServedGateway(tmp_path, etcd_url=etcd_url)
    try:
        yield served
    finally:
        served.stop()


def _in_threads(count: int, work: Callable[[int, httpx.Client], None], gateway) -> None:
    """`work(index, client)` in `count` threads at once; the first failure is raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        with gateway.admin(timeout=30) as admin:
            barrier.wait()
            try:
                work(index, admin)
            except BaseException as exc:  # handed to the test
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if errors:
        raise errors[0]


def test_concurrent_patches_lose_no_merge(gateway):
    """A PATCH is a compare-and-swap (APISIX's `atomic_set`): one that keeps losing the race
    is refused with 409 and APISIX's message, and the client sends it again. No merge the
    gateway acknowledged is lost."""
    with gateway.admin() as admin:
        body = {"uri": "/patched", "upstream": UPSTREAM, "labels": {}}
        assert admin.put("/apisix/admin/routes/p", json=body).status_code == 201
    refused: list[int] = []

    def patch(index: int, admin: httpx.Client) -> None:
        for n in range(PATCHES):
            for _attempt in range(PATCH_ATTEMPTS):
                reply = admin.patch(
                    "/apisix/admin/routes/p", json={"labels": {f"w{index}-{n}": "x"}}
                )
                if reply.status_code == 200:
                    break
                assert reply.status_code == 409, reply.text
                assert reply.json() == {"error_msg": "value changed before overwritten"}
                refused.append(index)
            else:
                raise AssertionError(f"a PATCH was refused {PATCH_ATTEMPTS} times")

    _in_threads(PATCHERS, patch, gateway)
    with gateway.admin() as admin:
        labels = admin.get("/apisix/admin/routes/p").json()["value"]["labels"]
    expected = {f"w{i}-{n}" for i in range(PATCHERS) for n in range(PATCHES)}
    assert set(labels) == expected, f"{len(expected - set(labels))} merges lost"
    print(
        f"{PATCHERS} concurrent PATCH writers: {len(expected)} merges, 0 lost "
        f"({len(refused)} PATCHes refused with 409 and sent again)"
    )


def test_concurrent_posts_get_distinct_ids(gateway):
    ids: list[str] = []
    lock = threading.Lock()

    def post(index: int, admin: httpx.Client) -> None:
        for _ in range(POSTS):
            reply = admin.post("/apisix/admin/upstreams", json=UPSTREAM)
            assert reply.status_code in (200, 201), reply.text
            with lock:
                ids.append(reply.json()["key"].rsplit("/", 1)[1])

    _in_threads(POSTERS, post, gateway)
    assert len(ids) == POSTERS * POSTS
    assert len(set(ids)) == len(ids), f"{len(ids) - len(set(ids))} ids given twice"
    print(f"{len(ids)} concurrent POSTs: {len(set(ids))} distinct ids")


def test_contended_puts_all_apply(gateway):
    answers: list[int] = []
    lock = threading.Lock()

    def put(index: int, admin: httpx.Client) -> None:
        for n in range(PUTS):
            body = {"uri": "/contended", "upstream": UPSTREAM, "desc": f"{index}-{n}"}
            reply = admin.put("/apisix/admin/routes/contended", json=body)
            with lock:
                answers.append(reply.status_code)

    _in_threads(PUTTERS, put, gateway)
    refused = [status for status in answers if status not in (200, 201)]
    assert len(answers) == PUTTERS * PUTS
    assert refused == [], f"{len(refused)} of {len(answers)} PUTs refused: {set(refused)}"
    print(f"{len(answers)} contended PUTs on one route: all applied")
