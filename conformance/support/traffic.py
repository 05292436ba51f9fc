"""Request → expected backend/status tables for data plane tests (Gateway API style)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import httpx

from ..timeouts import TimeoutConfig
from .eventually import converge


@dataclass(frozen=True)
class Case:
    """One request and what must come back: a backend name (the echo's `server`) or a status."""

    path: str
    method: str = "GET"
    host: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    backend: str | None = None
    status: int = 200

    def describe(self) -> str:
        where = f" host={self.host}" if self.host else ""
        extra = f" headers={dict(self.headers)}" if self.headers else ""
        want = f"backend {self.backend}" if self.backend else f"status {self.status}"
        return f"{self.method} {self.path}{where}{extra} -> {want}"


def served_by(response: httpx.Response) -> str | None:
    """The echo upstream that produced `response`, or None if it did not come from one."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return body.get("server") if isinstance(body, dict) else None


def send(client: httpx.Client, case: Case) -> httpx.Response:
    """Send the case's request; a transport failure is an assertion failure, so it is retried."""
    headers = dict(case.headers)
    if case.host is not None:
        headers["Host"] = case.host
    try:
        return client.request(case.method, case.path, headers=headers)
    except httpx.TransportError as exc:
        raise AssertionError(f"{case.describe()}: {type(exc).__name__}: {exc}") from None


def check(client: httpx.Client, case: Case) -> httpx.Response:
    """Send the case once and assert its expectation."""
    response = send(client, case)
    assert response.status_code == case.status, (
        f"{case.describe()}: got {response.status_code} {response.text[:200]!r}"
    )
    if case.backend is not None:
        got = served_by(response)
        assert got == case.backend, f"{case.describe()}: served by {got!r}"
    return response


def expect_cases(
    client: httpx.Client,
    cases: Iterable[Case],
    timeouts: TimeoutConfig,
    within: float | None = None,
) -> None:
    """Every case must eventually hold (the first `within` one of the run's timeouts, default
    `apply`); report all that did not, together."""
    failures: list[str] = []
    budget = timeouts.apply if within is None else within
    for case in cases:
        try:
            converge(functools.partial(check, client, case), timeouts, within=budget)
        except AssertionError as exc:
            failures.append(str(exc))
            budget = timeouts.settled
    assert not failures, "data plane cases failed:\n  " + "\n  ".join(failures)


def count_backends(client: httpx.Client, path: str, n: int, **kwargs: object) -> dict[str, int]:
    """Send `n` requests to `path` and count which backend answered each (status must be 200)."""
    counts: dict[str, int] = {}
    for _ in range(n):
        response = client.get(path, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 200, (
            f"GET {path}: {response.status_code} {response.text[:200]}"
        )
        name = served_by(response) or "<not an echo>"
        counts[name] = counts.get(name, 0) + 1
    return counts
