"""Resource ids: APISIX's id syntax and the ids POST generates."""

from __future__ import annotations

from typing import Any

from ..schema.engine import ecma_search
from ..store import Store
from .errors import bad_request

_ID = r"^[a-zA-Z0-9\-_.]{1,64}$"
ID_ERROR = (
    'invalid configuration: property "id" validation failed: object matches none of the required'
)


def is_valid_id(value: Any) -> bool:
    """A string of 1..64 of `[a-zA-Z0-9-_.]`, or an integer of at least 1 (APISIX's id_schema)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 1
    return isinstance(value, str) and ecma_search(_ID, value)


def check_id(value: Any) -> str:
    """The id as the string it is stored under; a 400 when it breaks the syntax."""
    if not is_valid_id(value):
        raise bad_request(ID_ERROR)
    return str(value)


def generate_id(store: Store, prefix: str) -> str:
    """A new id the way APISIX's `etcd.push` makes one: the store revision after a write
    to `{prefix}/gen_id`, zero-padded to 20 digits, so ids sort in creation order."""
    kv = store.put(f"{prefix}/gen_id", 1)
    return f"{kv.mod_revision:020d}"
