"""THE table: every documented `/api` endpoint (and the gateway-group-scoped
`/apisix/admin` endpoints) with the IAM action it needs and where the ids of its resource
ARN come from. Every endpoint an app of the admin port serves brings its row from its own
declaration (`reference_impl.api.mounts`: a mounted collection, an operation), and an app
cannot serve an endpoint without one; the modules here keep only the rows of documented
endpoints the reference does not serve, so every catalog action names its endpoint.

The action of each endpoint is the one its description in the API7 Enterprise Admin API
3.9.9 reference states ("Required IAM Permission"); the resource ARN template is the
catalog's for that action (`catalog.json`), its `%s` slots filled, in order, from the named
request values: a path parameter, else a query argument, else a top-level field of the
JSON body, else `*`. Methods and paths come from the 3.2.14 OpenAPI spec, the published
action/resource/API table and API7 client code; those the sources do not show follow
the same naming. `None` as action: any authenticated principal may call it.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from ...api.actions import Endpoint
from ...api.mounts import declared_endpoints
from .gateway import gateway_endpoints
from .iam_portal import portal_endpoints

# the apps whose collection declarations mount themselves when imported
APPS = ("reference_impl.admin.app", "reference_impl.api7ee.app", "reference_impl.iam.app")


@cache
def endpoints() -> tuple[Endpoint, ...]:
    for app in APPS:
        import_module(app)
    return (
        *gateway_endpoints(),
        *portal_endpoints(),
        *declared_endpoints(),
    )


__all__ = ["Endpoint", "endpoints"]
