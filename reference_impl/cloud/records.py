"""Where Cloud objects live in the config store (`/gwconform/cloud/{kind}/{id}`), their ids
and their timestamps.

Ids look like the Cloud's own (decimal, no leading zero, `^[1-9][0-9]*$`): a large base
plus the store revision of a write to `/gwconform/cloud/gen_id`, so they are unique for the
store's lifetime and survive restarts with every persistent backend.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..api.records import IdRule, Records
from ..store import Store

ROOT = "/gwconform/cloud"
ID_BASE = 370_000_000_000_000_000  # ids of the same magnitude as API7 Cloud's snowflake ids
ID_PATTERN = r"^[1-9][0-9]*$"
CLOUD_IDS = IdRule(counter="gen_id", render=lambda revision: str(ID_BASE + revision))


def cloud_records(store: Store) -> Records:
    return Records(store, ROOT, CLOUD_IDS)


def iso_now() -> str:
    """RFC 3339 UTC time with microseconds: fixed width, so the text sorts like the time."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stamp(obj: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """Set `created_at` (kept from `previous`) and `updated_at` (now)."""
    now = iso_now()
    obj["created_at"] = previous["created_at"] if previous else now
    obj["updated_at"] = now
    return obj
