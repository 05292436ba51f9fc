"""Resource ids: APISIX's id syntax (the ids POST generates come from `records.IdRule`)."""

from __future__ import annotations

from typing import Any

from ..schema.engine import ecma_search
from .errors import bad_request
from .records import IdRule

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


# POST ids of the APISIX Admin API: the revision zero-padded to 20 digits (APISIX's
# `etcd.push`), so ids sort in creation order
APISIX_IDS = IdRule(counter="gen_id", render=lambda revision: f"{revision:020d}")
