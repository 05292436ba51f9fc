"""The rows of every `Collection` declaration, where each API serves it."""

from __future__ import annotations

from ...admin.resources import CREDENTIALS, RESOURCES
from ...api.actions import Endpoint
from ...api.collection import Collection
from ...api7ee.certificates import GROUP_COLLECTIONS
from ..policies import POLICIES
from ..roles import ROLES

# (prefix, collections served under it)
SERVED: tuple[tuple[str, tuple[Collection, ...]], ...] = (
    ("/apisix/admin", (*RESOURCES.values(), CREDENTIALS, *GROUP_COLLECTIONS)),
    ("/api", (ROLES, POLICIES)),
)


def declared_endpoints() -> list[Endpoint]:
    return [row for prefix, colls in SERVED for coll in colls for row in coll.endpoints(prefix)]
