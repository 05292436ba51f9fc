"""Who may see a gateway group or a service (3.2.14): `GET
/api/gateway_groups/{gateway_group_id}/permitted_users` lists the users whose policies (within
their boundaries) allow `gateway:GetGatewayGroup` on the group, and `GET
/api/services/{service_id}/permitted_users` those allowed `gateway:GetServiceTemplate` on the
service template."""

from __future__ import annotations

from typing import Any

from ..api.errors import ApiError
from ..api.listing import list_answer
from ..api7ee.cpstore import TEMPLATES, ControlStore
from .service import IamService
from .web import API, IamCall, public_user


def _permitted(iam: IamService, call: IamCall, action: str, arn: str) -> dict[str, Any]:
    users = [
        public_user(user)
        for user in iam.records.all("users")
        if iam.allowed(iam.user_principal(user), action, arn)
    ]
    return list_answer(users, call.args, search_fields=("username", "email"))


def group_users(iam: IamService, call: IamCall) -> dict[str, Any]:
    group_id = call.params["gateway_group_id"]
    if ControlStore(iam.records.store, iam.config.etcd_prefix).group(group_id) is None:
        raise ApiError(404, f"gateway group {group_id} not found")
    arn = f"arn:api7:gateway:gatewaygroup/{group_id}"
    return _permitted(iam, call, "gateway:GetGatewayGroup", arn)


def service_users(iam: IamService, call: IamCall) -> dict[str, Any]:
    service_id = call.params["service_id"]
    if ControlStore(iam.records.store, iam.config.etcd_prefix).get(TEMPLATES, service_id) is None:
        raise ApiError(404, f"service {service_id} not found")
    arn = f"arn:api7:gateway:servicetemplate/{service_id}"
    return _permitted(iam, call, "gateway:GetServiceTemplate", arn)


ROUTES = [
    API(
        "GET",
        "/gateway_groups/{gateway_group_id}/permitted_users",
        group_users,
        "gateway:GetGatewayGroup",
        "gateway_group_id",
    ),
    API(
        "GET",
        "/services/{service_id}/permitted_users",
        service_users,
        "gateway:GetServiceTemplate",
        "service_id",
    ),
]
