"""Plugin phases run in place until one may wait (`proxy.eager`), and which plugins may
(the engine running them: `test_phases.py`)."""

from __future__ import annotations

import asyncio
from typing import TypeVar

import pytest

from reference_impl.proxy.eager import Eager
from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv, SharedState

T = TypeVar("T")


async def _value(value: int) -> int:
    return value


async def _fails() -> int:
    raise ValueError("no")


def test_a_coroutine_that_never_waits_finishes_in_place():
    done = Eager(_value(7))
    assert done.done and done.result() == 7
    assert Eager(_value(0)).passed is False  # a result other than None
    failed = Eager(_fails())
    assert failed.done and not failed.passed
    with pytest.raises(ValueError, match="no"):
        failed.result()


def test_a_coroutine_that_waits_goes_on_in_the_awaiting_task():
    steps: list[str] = []

    async def phases() -> str:
        steps.append("in place")
        await asyncio.sleep(0)
        steps.append("in the task")
        await asyncio.sleep(0.01)
        return "done"

    async def main() -> str:
        started = Eager(phases())
        assert not started.done and steps == ["in place"]
        with pytest.raises(RuntimeError):
            started.result()
        return await asyncio.create_task(_await(started))

    assert asyncio.run(main()) == "done"
    assert steps == ["in place", "in the task"]


def test_a_waiting_coroutine_is_cancelled_with_its_task():
    released: list[bool] = []

    async def phases() -> None:
        try:
            await asyncio.sleep(0)
            await asyncio.sleep(10)
        finally:
            released.append(True)

    async def main() -> None:
        task = asyncio.create_task(_await(Eager(phases())))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert released == [True]


async def _await(eager: Eager[T]) -> T:
    return await eager


def test_which_plugins_may_wait():
    env = PluginEnv([], {}, {}, SharedState())
    never = ["key-auth", "basic-auth", "jwt-auth", "ip-restriction", "cors", "proxy-rewrite"]
    assert [name for name in never if PLUGIN_CLASSES[name].may_wait] == []
    may = ["forward-auth", "openid-connect", "ldap-auth", "limit-req", "limit-conn", "mocking"]
    assert [name for name in may if not PLUGIN_CLASSES[name].may_wait] == []
    local = PLUGIN_CLASSES["limit-count"]({"count": 1, "time_window": 1}, env)
    assert local.may_wait is False  # counting in the worker's shared table
    redis = PLUGIN_CLASSES["limit-count"](
        {"count": 1, "time_window": 1, "policy": "redis", "redis_host": "127.0.0.1"}, env
    )
    assert redis.may_wait is True
