"""Retry an assertion until it holds: gateway configuration is eventually consistent."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from ..timeouts import REQUIRED_SUCCESSES, TimeoutConfig

T = TypeVar("T")


def eventually(
    fn: Callable[[], T],
    timeout: float = 5.0,
    interval: float = 0.05,
    retry_on: tuple[type[BaseException], ...] = (AssertionError,),
    successes: int = REQUIRED_SUCCESSES,
) -> T:
    """Call `fn` until it has stopped raising one of `retry_on` `successes` times in a row,
    and return its last value.

    A failure resets the count. At `timeout` seconds the last error is raised again, so a
    failing test shows the assertion that never came true; once a streak has begun, the
    streak may finish past the timeout. `fn` is always called at least once.
    """
    if timeout < 0 or interval <= 0 or successes < 1:
        raise ValueError("timeout must be >= 0, interval > 0 and successes >= 1")
    deadline = time.monotonic() + timeout
    streak = 0
    while True:
        try:
            value = fn()
        except retry_on:
            streak = 0
            if time.monotonic() + interval > deadline:
                raise
        else:
            streak += 1
            if streak >= successes:
                return value
        time.sleep(interval)


def converge(
    fn: Callable[[], T],
    timeouts: TimeoutConfig,
    *,
    within: float | None = None,
    interval: float = 0.05,
    retry_on: tuple[type[BaseException], ...] = (AssertionError,),
    once: bool = False,
) -> T:
    """`eventually` with the run's timeouts: `within` one of them (default: `apply`), and the
    run's count of successes in a row. A check whose every call changes what the next one
    sees (a rate limit counting down) says `once`: a worker without the configuration would
    fail the assertions that follow anyway."""
    return eventually(
        fn,
        timeout=timeouts.apply if within is None else within,
        interval=interval,
        retry_on=retry_on,
        successes=1 if once else timeouts.required_successes,
    )
