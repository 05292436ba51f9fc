"""What every `/api` handler receives: the control store and data planes (`Api`) and the
parsed request (`Call`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..api.dialects import check_json_patch
from ..api.errors import ApiError, not_found
from ..api.listing import list_answer
from ..api.mounts import Operations
from ..config import GatewayConfig
from .cpstore import ControlStore
from .dataplanes import GroupDataPlanes

# the endpoints of the `/api` app and the API7-only ones under `/apisix/admin`, declared
# with their IAM actions (`?gateway_group_id=` names the group of the latter)
API = Operations("/api")
COMPAT = Operations("/apisix/admin")


def dry_run(args: Mapping[str, str]) -> bool:
    """`?dry-run=all`: check and answer, but store nothing."""
    raw = args.get("dry-run")
    if raw not in (None, "all"):
        raise ApiError(400, "invalid query parameter dry-run: the only value is all")
    return raw == "all"


@dataclass
class Api:
    config: GatewayConfig
    cp: ControlStore
    planes: GroupDataPlanes

    def group_or_404(self, group_id: str) -> dict[str, Any]:
        group = self.cp.group(group_id)
        if group is None:
            raise not_found(f"gateway group {group_id}")
        return group


@dataclass
class Call:
    method: str
    params: dict[str, str]
    args: Any  # starlette QueryParams
    body: Any = None
    groups_changed: bool = False  # set by handlers that create or delete a gateway group

    def obj(self) -> dict[str, Any]:
        if self.body is None:
            raise ApiError(400, "request body is required")
        if not isinstance(self.body, dict):
            raise ApiError(400, "invalid request body: expected a JSON object")
        return self.body

    def patch(self, ops: tuple[str, ...] = ("add", "replace")) -> list:
        return check_json_patch(self.body, ops)

    @property
    def dry_run(self) -> bool:
        return dry_run(self.args)

    def listing(self, rows: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
        return list_answer(rows, self.args, **options)
