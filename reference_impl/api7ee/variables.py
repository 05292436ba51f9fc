"""`GET /apisix/admin/variables?gateway_group_id=`: the variables route matching (`vars`)
and plugin configurations may name, as the group's data plane resolves them."""

from __future__ import annotations

from typing import Any

from ..proxy.variables import names
from .context import Api, Call


def list_variables(api: Api, call: Call) -> tuple[int, Any]:
    api.group_or_404(call.params["gateway_group_id"])
    return 200, {"value": names()}


ROUTES = [("GET", "/variables", list_variables)]
