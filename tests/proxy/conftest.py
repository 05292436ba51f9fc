"""Fixtures: a loop thread for upstream servers and an in-process data plane worker."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from .support import Gateway, LoopThread, Upstream


@pytest.fixture(scope="module")
def loop_thread() -> Iterator[LoopThread]:
    lt = LoopThread()
    yield lt
    lt.stop()


@pytest.fixture
def upstreams(loop_thread: LoopThread) -> Iterator[Callable[[str], Upstream]]:
    started: list[Upstream] = []

    def start(name: str) -> Upstream:
        up = Upstream(loop_thread, name)
        started.append(up)
        return up

    yield start
    for up in started:
        up.stop()


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gw = Gateway(stream=True)
    yield gw
    gw.stop()
