"""Where IAM records live in the config store: `/gwconform/iam/<kind>/<id>`."""

from __future__ import annotations

import time

from ..api.records import Records
from ..store import Store

PREFIX = "/gwconform/iam"
KINDS = ("users", "roles", "permission_policies", "tokens", "sessions", "audit_logs")


def now() -> int:
    return int(time.time())


def iam_records(store: Store) -> Records:
    return Records(store, PREFIX)
