"""What a collection's handler works with: the records of its API, the config, the
keyring, the API's dialect (answers and refusals), and one parsed request; and the two
interfaces between the generic collection and a dialect (`Dialect`, `Resource`), so that
neither module names the other."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..admin.ssl_crypto import Keyring
from ..config import GatewayConfig
from ..store import KeyValue, Store
from .records import Records

MISSING: Any = object()  # a request without a body (JSON null is a body)
Answer = tuple[int, Any]
Record = dict[str, Any]


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
    origin: Any = None  # the app's own request object, for hooks that answer to it

    @property
    def ttl(self) -> int | None:
        """`?ttl=` in seconds (checked by the app to be a number); 0 means none."""
        raw = self.args.get("ttl")
        if raw is None:
            return None
        seconds = float(raw)
        return math.ceil(seconds) if seconds > 0 else None


class Resource(Protocol):
    """What a dialect sees of a collection (`reference_impl.api.collection.Collection`)."""

    kind: str
    has_id: bool
    timestamps: bool
    order_fields: tuple[str, ...]
    default_order: str
    search_fields: tuple[str, ...]

    def check_conf(
        self, ctx: Context, id: str | None, conf: dict, req: CollectionRequest
    ) -> dict: ...
    def check_id(self, id: str) -> str: ...
    def locate(self, req: CollectionRequest) -> tuple[str | None, str]: ...
    def dir_path(self, req: CollectionRequest) -> str: ...
    def narrow(
        self, ctx: Context, req: CollectionRequest, rows: list[dict[str, Any]]
    ) -> list[dict[str, Any]]: ...
    def view(self, value: Any) -> Any: ...
    def view_in(self, ctx: Context, value: Any) -> Any: ...
    def editable(self, ctx: Context, value: dict[str, Any]) -> dict[str, Any]: ...
    def missing(self, id: str, req: CollectionRequest) -> str: ...


class Dialect(Protocol):
    """What differs between the APIs a collection serves (`reference_impl.api.dialects`)."""

    put_creates: bool  # False: PUT, PATCH and DELETE need the object first (404)
    force_delete: bool  # whether `?force=true` skips the delete checker
    # API7's `/apisix/admin` of a named gateway group: a collection's `api7_methods` are
    # served and a JSON Patch array is a PATCH body
    api7_admin: bool

    def ttl(self, req: CollectionRequest) -> int | None: ...
    def body_object(self, body: Any) -> Record: ...
    def resolve_id(self, coll: Resource, id: str | None, conf: Record) -> str | None: ...
    def check_new(self, coll: Resource, id: str | None, conf: Record) -> None: ...
    def record(self, coll: Resource, ctx: Context, id: str, conf: Record, prev: Any) -> Record: ...
    def check_patch(self, coll: Resource, req: CollectionRequest) -> None: ...
    def patched(
        self, coll: Resource, ctx: Context, id: str, old: Any, req: CollectionRequest
    ) -> Record: ...
    def listing(
        self, coll: Resource, ctx: Context, req: CollectionRequest, kvs: list[KeyValue]
    ) -> Any: ...
    def one(self, coll: Resource, ctx: Context, kv: KeyValue) -> Any: ...
    def written(
        self, coll: Resource, ctx: Context, key: str, value: Record, action: str, status: int
    ) -> Answer: ...
    def deleted(self, key: str) -> Any: ...
    def not_found(self, coll: Resource, id: str, req: CollectionRequest) -> Exception: ...
