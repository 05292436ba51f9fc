"""One catalog action exercised through a real request: the shape of the `CASES` lists that the
`cases_*.py` modules of this package declare, one module per area of the API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Prepared:
    """What a case's setup made: values for the `{name}` placeholders of the path, resource and
    body, and the paths the administrator deletes afterwards (newest last)."""

    values: dict[str, str] = field(default_factory=dict)
    cleanup: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ActionCase:
    """A request that needs exactly `action` on `resource`: a principal whose only policy allows
    that action on that resource gets one of `ok`; without it, 403."""

    action: str  # as the catalog spells it, e.g. "gateway:GetGatewayGroup"
    method: str
    path: str  # may hold "{name}" placeholders, filled from `Prepared.values`
    resource: str  # the ARN the allowing policy names, with the same placeholders
    setup: Callable[[httpx.Client], Prepared] | None = None  # run as the administrator
    body: Any = None  # JSON; string values may hold placeholders
    params: dict[str, str] = field(default_factory=dict)
    ok: tuple[int, ...] = (200, 201, 204)
    creates: str = ""  # the path of what the allowed request makes, `{id}` its id: deleted after
    inferred: bool = False  # the path is inferred, not documented: exercised as Extended only
