"""`GET /api/labels/{resource_type}[?gateway_group_id=]`: every label key of the objects of a
kind with the values it takes, `{"value": {key: [values]}}`. Kinds kept per gateway group
are read from the group given, else from every group. (Here, not in `api7ee`, because the
IAM package may read the control plane's records and not the other way round.)"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..api.errors import ApiError
from ..api7ee.contact_points import ALERT_POLICIES, CONTACT_POINTS
from ..api7ee.cpstore import (
    CERTIFICATES,
    GATEWAY_GROUPS,
    PUBLISHED,
    ROUTE_TEMPLATES,
    SNIS,
    STREAM_ROUTE_TEMPLATES,
    TEMPLATES,
    ControlStore,
)
from .service import IamService
from .web import API, IamCall

Objects = Iterable[dict[str, Any]]


def _apisix(directory: str, deep: bool = False) -> Callable[[ControlStore, str], Objects]:
    def read(cp: ControlStore, group_id: str) -> Objects:
        if not deep:
            return cp.apisix_list(group_id, directory)
        kvs, _ = cp.store.range(f"{cp.group_prefix(group_id)}/{directory}/")
        return [kv.value for kv in kvs if isinstance(kv.value, dict)]

    return read


def _credentials(cp: ControlStore, group_id: str) -> Objects:
    kvs, _ = cp.store.range(f"{cp.group_prefix(group_id)}/consumers/")
    return [kv.value for kv in kvs if "/credentials/" in kv.key and isinstance(kv.value, dict)]


def _control(kind: str) -> Callable[[ControlStore, str], Objects]:
    return lambda cp, group_id: cp.all(kind, group_id)


# kinds kept per gateway group: where a group's objects are
PER_GROUP: dict[str, Callable[[ControlStore, str], Objects]] = {
    "consumer": _apisix("consumers"),
    "consumer_credential": _credentials,
    "ssl": _apisix("ssls"),
    "secret": _apisix("secrets", deep=True),
    "published_service": _control(PUBLISHED),
    "certificate": _control(CERTIFICATES),
    "sni": _control(SNIS),
}
# kinds of the organisation
GLOBAL: dict[str, Callable[[IamService, ControlStore], Objects]] = {
    "gateway_group": lambda iam, cp: cp.all(GATEWAY_GROUPS),
    "service": lambda iam, cp: cp.all(TEMPLATES),
    "route": lambda iam, cp: cp.all(ROUTE_TEMPLATES),
    "stream_route": lambda iam, cp: cp.all(STREAM_ROUTE_TEMPLATES),
    "contact_point": lambda iam, cp: cp.all(CONTACT_POINTS),
    "alert_policy": lambda iam, cp: cp.all(ALERT_POLICIES),
    "role": lambda iam, cp: iam.records.all("roles"),
    "permission_policy": lambda iam, cp: iam.records.all("permission_policies"),
}
NOT_HERE = ("api_product", "portal", "dcr_provider")


def labels_of_kind(iam: IamService, call: IamCall) -> dict[str, Any]:
    kind = call.params["resource_type"]
    cp = ControlStore(iam.records.store, iam.config.etcd_prefix)
    group_id = call.args.get("gateway_group_id")
    if kind in PER_GROUP:
        if group_id is not None and cp.group(group_id) is None:
            raise ApiError(404, f"gateway group {group_id} not found")
        groups = [group_id] if group_id else [g["id"] for g in cp.groups()]
        objects = [o for g in groups for o in PER_GROUP[kind](cp, g)]
    elif kind in GLOBAL:
        objects = list(GLOBAL[kind](iam, cp))
    elif kind in NOT_HERE:
        raise ApiError(400, f"labels of {kind} objects are not served by this control plane")
    else:
        known = sorted([*PER_GROUP, *GLOBAL, *NOT_HERE])
        raise ApiError(400, f"invalid resource_type {kind!r}: must be one of {known}")
    found: dict[str, set[str]] = {}
    for obj in objects:
        for key, value in (obj.get("labels") or {}).items():
            found.setdefault(key, set()).add(str(value))
    return {"value": {key: sorted(values) for key, values in sorted(found.items())}}


ROUTES = [API("GET", "/labels/{resource_type}", labels_of_kind, None)]
