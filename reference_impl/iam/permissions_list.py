"""`GET /api/permissions` (3.2.14): every permission a policy can grant, as the catalog lists
them: `key` the action, `group` its catalog section, `scope_types` the kinds of object its
resource names (a gateway group, a service), in the list envelope."""

from __future__ import annotations

from typing import Any

from ..api.listing import list_answer
from .catalog import load_catalog
from .service import IamService
from .web import API, IamCall

SCOPES = {
    "arn:api7:gateway:gatewaygroup/": "gateway_group",
    "arn:api7:gateway:servicetemplate/": "service",
}


def list_permissions(iam: IamService, call: IamCall) -> dict[str, Any]:
    rows = [
        {
            "key": entry.action,
            "group": entry.section,
            "scope_types": [
                kind for prefix, kind in SCOPES.items() if entry.resource.startswith(prefix)
            ],
        }
        for entry in load_catalog()
    ]
    return list_answer(
        rows, call.args, order_fields=("key",), default_order="key", search_fields=("key", "group")
    )


ROUTES = [API("GET", "/permissions", list_permissions, None)]
