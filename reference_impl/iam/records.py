"""IAM records in the config store, under `/gwconform/iam/<kind>/<id>`."""

from __future__ import annotations

import time
import uuid
from typing import Any

from ..store import RevisionConflict, Store

PREFIX = "/gwconform/iam"
KINDS = ("users", "roles", "permission_policies", "tokens", "sessions", "audit_logs")


def now() -> int:
    return int(time.time())


def new_id() -> str:
    return str(uuid.uuid4())


class IamRecords:
    def __init__(self, store: Store) -> None:
        self.store = store

    def key(self, kind: str, record_id: str) -> str:
        return f"{PREFIX}/{kind}/{record_id}"

    def get(self, kind: str, record_id: str) -> dict[str, Any] | None:
        """The record, or None (also for a stored value that is not a JSON object)."""
        kv = self.store.get(self.key(kind, record_id))
        return kv.value if kv is not None and isinstance(kv.value, dict) else None

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Every record of `kind` (values that are not JSON objects are no records)."""
        kvs, _ = self.store.range(f"{PREFIX}/{kind}/")
        return [kv.value for kv in kvs if isinstance(kv.value, dict)]

    def put(self, kind: str, record: dict[str, Any], *, ttl: int | None = None) -> dict[str, Any]:
        self.store.put(self.key(kind, record["id"]), record, ttl=ttl)
        return record

    def create_once(self, kind: str, record: dict[str, Any]) -> bool:
        """Write `record` unless its key exists (for bootstrap records); True if written."""
        try:
            self.store.put(self.key(kind, record["id"]), record, expect_mod_revision=0)
        except RevisionConflict:
            return False
        return True

    def delete(self, kind: str, record_id: str) -> bool:
        return self.store.delete(self.key(kind, record_id)) is not None
