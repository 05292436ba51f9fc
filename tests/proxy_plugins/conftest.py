from __future__ import annotations

from collections.abc import Callable

import pytest

from reference_impl.proxy.plugin_api import Ctx

CtxFactory = Callable[..., Ctx]


class FakeClock:
    """An injectable clock for rate-limit tests (no sleeping)."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
