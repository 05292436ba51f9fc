"""The rows of every mounted `Collection` declaration."""

from __future__ import annotations

from ...api.actions import Endpoint
from ...api.mounts import MOUNTS


def declared_endpoints() -> list[Endpoint]:
    """Rows of the collections mounted so far: call it once every app of the admin port
    is imported (`reference_impl.iam.endpoints.endpoints` makes sure of that)."""
    return [row for m in MOUNTS for row in m.endpoints()]
