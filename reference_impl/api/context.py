"""What a collection's handler works with: the records of its API, the config, the
keyring, the API's dialect (answers and refusals), and one parsed request."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..admin.ssl_crypto import Keyring
from ..config import GatewayConfig
from ..store import KeyValue, Store
from .records import Records

if TYPE_CHECKING:
    from .dialects import Dialect

MISSING: Any = object()  # a request without a body (JSON null is a body)


@dataclass
class Context:
    config: GatewayConfig
    records: Records
    keyring: Keyring
    dialect: Dialect
    clock: Callable[[], int] = field(default=lambda: int(time.time()))

    @property
    def store(self) -> Store:
        return self.records.store

    def key(self, relative: str) -> str:
        """The store key of a path relative to the records' root (`/routes/1`)."""
        return self.records.root + relative

    def get(self, relative: str) -> KeyValue | None:
        return self.store.get(self.key(relative))

    def children(self, relative_dir: str) -> list[KeyValue]:
        """The objects directly under a directory (`/routes`), not deeper keys."""
        return self.records.entries(relative_dir.lstrip("/"), direct=True)

    def descendants(self, relative_dir: str) -> list[KeyValue]:
        """Every object under a directory, at any depth (`/secrets` -> all managers)."""
        return self.records.entries(relative_dir.lstrip("/"))

    def values(self, relative_dir: str) -> list[dict[str, Any]]:
        return [kv.value for kv in self.children(relative_dir) if isinstance(kv.value, dict)]


@dataclass
class CollectionRequest:
    method: str  # lower case
    segments: list[str]  # the path after the collection's name, split on "/"
    body: Any
    args: Mapping[str, str]
    parent: str | None = None  # the scope: a credential's consumer, a gateway group

    @property
    def ttl(self) -> int | None:
        """`?ttl=` in seconds (checked by the app to be a number); 0 means none."""
        raw = self.args.get("ttl")
        if raw is None:
            return None
        seconds = float(raw)
        return math.ceil(seconds) if seconds > 0 else None
