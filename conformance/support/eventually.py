"""Retry an assertion until it holds: gateway configuration is eventually consistent."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# As in the Gateway API suite: a condition counts as reached only after this many checks in
# a row held, so one worker that already has the new configuration cannot pass a test for
# the others that do not.
REQUIRED_SUCCESSES = 3


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
    streak may finish past the timeout. `fn` is always called at least once. A check whose
    every call changes what the next one sees (a rate limit counting down) passes
    `successes=1`.
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
