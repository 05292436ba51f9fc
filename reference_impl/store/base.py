"""The config store contract, with etcd v3 semantics.

Every mutation gets the store-wide revision, incremented by one. A key remembers the revision
that created it (`create_revision`) and the one that last changed it (`mod_revision`); a
compare-and-swap names the `mod_revision` it expects (0: the key must not exist). A watch
replays every event after `start_revision - 1` and then follows new ones, in revision order.
Values are strict JSON (`strict_json`: no NaN, no Infinity, no lone surrogate): a put of
anything else raises `StoreError` and writes nothing, and a value reads back as its JSON
would. A value another client wrote that is not strict JSON reads back as its text.
`commit` applies several puts and deletes all together or not at all, each under its own
expectation, as one etcd transaction does: invariants that span keys (a name held by one
object) are kept by the store, so any number of processes sharing it keep them too.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .. import strict_json


@dataclass(frozen=True)
class KeyValue:
    key: str
    value: Any
    create_revision: int
    mod_revision: int
    version: int


@dataclass(frozen=True)
class Event:
    type: Literal["put", "delete"]
    key: str
    value: Any  # the new value for a put; None for a delete
    revision: int
    create_revision: int = 0  # of the key, for a put


@dataclass(frozen=True)
class Put:
    key: str
    value: Any
    expect_mod_revision: int | None = None  # 0: the key must not exist


@dataclass(frozen=True)
class Delete:
    key: str
    expect_mod_revision: int | None = None


Op = Put | Delete


class StoreError(Exception):
    pass


class RevisionConflict(StoreError):
    def __init__(self, key: str, expected: int, actual: int) -> None:
        super().__init__(f"{key}: expected mod_revision {expected}, found {actual}")
        self.key, self.expected, self.actual = key, expected, actual


class Compacted(StoreError):
    """The watch asked for history the store no longer keeps; re-list, then watch again."""

    def __init__(self, compact_revision: int) -> None:
        super().__init__(f"revision {compact_revision} and earlier have been compacted")
        self.compact_revision = compact_revision


class StoreUnavailable(StoreError):
    pass


class Watch(ABC):
    """An iterator of events for one prefix; `cancel()` ends the iteration from any thread."""

    @abstractmethod
    def __iter__(self) -> Iterator[Event]: ...

    @abstractmethod
    def cancel(self) -> None: ...


class Store(ABC):
    @abstractmethod
    def get(self, key: str) -> KeyValue | None: ...

    @abstractmethod
    def range(self, prefix: str) -> tuple[list[KeyValue], int]:
        """All keys under `prefix` sorted by key, and the store revision they were read at."""

    @abstractmethod
    def put(
        self,
        key: str,
        value: Any,
        *,
        expect_mod_revision: int | None = None,
        ttl: int | None = None,
    ) -> KeyValue:
        """Write `value`; with `expect_mod_revision`, only if the key is at that revision."""

    @abstractmethod
    def delete(self, key: str, *, expect_mod_revision: int | None = None) -> KeyValue | None:
        """Remove `key`; returns what it held, or None when it did not exist."""

    @abstractmethod
    def commit(self, ops: Sequence[Op]) -> int:
        """Apply every op or none: when an expectation fails, `RevisionConflict` names the
        first such key and nothing is written. Deleting an absent key is no change. A key
        may appear once. Returns the store revision after the commit."""

    @abstractmethod
    def watch(self, prefix: str, start_revision: int) -> Watch: ...

    @property
    @abstractmethod
    def revision(self) -> int: ...

    def close(self) -> None:  # noqa: B027 - optional for backends without resources
        pass


def encode(key: str, value: Any) -> bytes:
    """`value` as the strict JSON text the store keeps; `StoreError` when it is not."""
    try:
        return strict_json.encode(value)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"{key}: value is not strict JSON: {exc}") from None


def encoded_puts(ops: Sequence[Op]) -> dict[str, bytes]:
    """The JSON text of each put of a commit, by key, once no key appears twice."""
    seen: set[str] = set()
    for op in ops:
        if op.key in seen:
            raise StoreError(f"{op.key}: a commit may touch a key once")
        seen.add(op.key)
    return {op.key: encode(op.key, op.value) for op in ops if isinstance(op, Put)}
