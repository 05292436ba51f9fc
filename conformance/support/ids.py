"""Unique resource ids, so tests never collide with each other or with a target's own data."""

from __future__ import annotations

import uuid


def unique_id(prefix: str = "gwc") -> str:
    """`prefix-<12 hex>`: valid as an APISIX id (letters, digits, '-', '.', '_'; <= 64 chars)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def unique_username(prefix: str = "gwc") -> str:
    """A consumer username (APISIX allows only letters, digits and '_')."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"
