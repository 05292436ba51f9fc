"""The stored objects one config generation could not compile.

A worker builds its configuration from objects anyone with store access may have written.
Each object is compiled on its own through `LeftOut.compile`: one that fails, whatever it
breaks, is left out of the generation and logged, and every other object is served, as
APISIX skips an item that fails its check when it loads its configuration from etcd.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class LeftOut:
    """`reasons`: why each object was left out, by `kind/id`. A generation built with the
    previous one's `LeftOut` logs only what it did not already report."""

    def __init__(self, previous: LeftOut | None = None) -> None:
        self.reasons: dict[str, str] = {}
        self._reported = previous.reasons if previous is not None else {}

    def add(self, kind: str, ident: Any, reason: str) -> None:
        """Record (and log, unless the previous generation did) why an object is left out;
        an object already left out keeps its first reason."""
        name = f"{kind}/{ident}"
        if name in self.reasons:
            return
        self.reasons[name] = reason
        if self._reported.get(name) != reason:
            log.warning("%s left out of the data plane config: %s", name, reason)

    def compile(self, kind: str, ident: Any, build: Callable[..., T], *args: Any) -> T | None:
        """`build(*args)` for one object, or None when it fails: the object is left out."""
        try:
            return build(*args)
        except Exception as exc:  # whatever a bad object breaks, it breaks only itself
            self.add(kind, ident, describe(exc))
            return None

    def of_kind(self, kind: str) -> dict[str, str]:
        """Why each object of `kind` was left out, by id."""
        start = kind + "/"
        return {
            name[len(start) :]: why for name, why in self.reasons.items() if name.startswith(start)
        }


def describe(exc: Exception) -> str:
    text = str(exc)
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__
