"""What every resource handler works with: the store under the APISIX key prefix, the
config, the keyring, the response builder, and one parsed request."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..config import GatewayConfig
from ..store import KeyValue, Store
from .bodies import Bodies
from .ssl_crypto import Keyring

MISSING: Any = object()  # a request without a body (JSON null is a body)


@dataclass
class AdminContext:
    config: GatewayConfig
    store: Store
    prefix: str
    keyring: Keyring
    bodies: Bodies
    clock: Callable[[], int] = field(default=lambda: int(time.time()))

    def key(self, relative: str) -> str:
        """The store key of a path relative to the prefix (`/routes/1` -> `/apisix/routes/1`)."""
        return self.prefix + relative

    def get(self, relative: str) -> KeyValue | None:
        return self.store.get(self.key(relative))

    def children(self, relative_dir: str) -> list[KeyValue]:
        """The objects directly under a directory (`/routes`), not deeper keys."""
        base = self.key(relative_dir) + "/"
        kvs, _ = self.store.range(base)
        return [kv for kv in kvs if "/" not in kv.key[len(base) :]]

    def descendants(self, relative_dir: str) -> list[KeyValue]:
        """Every object under a directory, at any depth (`/secrets` -> all managers)."""
        kvs, _ = self.store.range(self.key(relative_dir) + "/")
        return kvs

    def values(self, relative_dir: str) -> list[dict[str, Any]]:
        return [kv.value for kv in self.children(relative_dir) if isinstance(kv.value, dict)]


@dataclass
class AdminRequest:
    method: str  # lower case
    segments: list[str]  # the path after the resource name, split on "/"
    body: Any
    args: Mapping[str, str]
    parent: str | None = None  # the consumer of a credential

    @property
    def ttl(self) -> int | None:
        """`?ttl=` in seconds (checked by the app to be a number); 0 means none."""
        raw = self.args.get("ttl")
        if raw is None:
            return None
        seconds = float(raw)
        return math.ceil(seconds) if seconds > 0 else None
