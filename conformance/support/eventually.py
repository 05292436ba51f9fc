"""Retry an assertion until it holds: gateway configuration is eventually consistent."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(
    fn: Callable[[], T],
    timeout: float = 5.0,
    interval: float = 0.05,
    retry_on: tuple[type[BaseException], ...] = (AssertionError,),
) -> T:
    """Call `fn` until it stops raising one of `retry_on`, and return its value.

    At `timeout` seconds the last error is raised again, so a failing test shows the
    assertion that never came true. `fn` is always called at least once.
    """
    if timeout < 0 or interval <= 0:
        raise ValueError("timeout must be >= 0 and interval > 0")
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fn()
        except retry_on:
            if time.monotonic() + interval > deadline:
                raise
        time.sleep(interval)
