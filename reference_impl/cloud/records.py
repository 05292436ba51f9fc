"""Where Cloud objects live in the config store (`/gwconform/cloud/{kind}/{id}`), their ids
and their timestamps.

Ids look like the Cloud's own (decimal, no leading zero, `^[1-9][0-9]*$`): a large base
plus the store revision of a write to `/gwconform/cloud/gen_id`, so they are unique for the
store's lifetime and survive restarts with every persistent backend.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..api.records import IdRule, Records, UniqueNames
from ..store import Store
from .envelope import conflict

ROOT = "/gwconform/cloud"
ID_BASE = 370_000_000_000_000_000  # ids of the same magnitude as API7 Cloud's snowflake ids
ID_PATTERN = r"^[1-9][0-9]*$"
CLOUD_IDS = IdRule(counter="gen_id", render=lambda revision: str(ID_BASE + revision))


def _in(scope: str, label: str, where: str) -> UniqueNames:
    """A record's `name`, unique among the records of its `scope` field."""

    def names(record: dict[str, Any]) -> Mapping[str, Exception]:
        name, owner = record.get("name"), record.get(scope)
        if not isinstance(name, str) or owner is None:
            return {}
        return {
            f"{label}/{owner}/{name}": conflict(f"{label} name {name!r} is already used in {where}")
        }

    return names


UNIQUE: dict[str, UniqueNames] = {
    "consumers": _in("cluster_id", "consumer", "this cluster"),
    "apps": _in("cluster_id", "application", "this cluster"),
    "apis": _in("app_id", "API", "this application"),
}


def cloud_records(store: Store) -> Records:
    return Records(store, ROOT, CLOUD_IDS, UNIQUE)


def iso_now() -> str:
    """RFC 3339 UTC time with microseconds: fixed width, so the text sorts like the time."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stamp(obj: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """Set `created_at` (kept from `previous`) and `updated_at` (now)."""
    now = iso_now()
    obj["created_at"] = previous["created_at"] if previous else now
    obj["updated_at"] = now
    return obj
