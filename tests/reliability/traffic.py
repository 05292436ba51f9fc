"""Steady client traffic in background threads, counting every answer and every failure."""

from __future__ import annotations

import threading
from collections import Counter
from types import TracebackType

import httpx


class Traffic:
    """`threads` keep-alive clients GET `url` in a loop until the block ends; `answers`
    counts the statuses (and `error:<Exception>` for a request that got no answer)."""

    def __init__(self, url: str, threads: int = 4, headers: dict[str, str] | None = None):
        self.url, self.headers = url, headers or {}
        self.answers: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self) -> None:
        with httpx.Client(headers=self.headers, timeout=10) as client:
            while not self._stop.is_set():
                try:
                    answer = str(client.get(self.url).status_code)
                except httpx.HTTPError as exc:
                    answer = f"error:{exc.__class__.__name__}"
                with self._lock:
                    self.answers[answer] += 1

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    @property
    def total(self) -> int:
        return sum(self.answers.values())

    def failures(self) -> dict[str, int]:
        return {status: n for status, n in self.answers.items() if status != "200"}
