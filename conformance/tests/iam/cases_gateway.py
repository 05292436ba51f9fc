"""The gateway namespace's actions on their documented endpoints: gateway groups, instances,
and the group's APISIX resources under `/apisix/admin?gateway_group_id=` (API7 Enterprise 3.9.9
seed; the 3.2.14 spec), service templates and publishing. Each case makes what it needs in a
new gateway group, which the administrator deletes at the end with everything in it."""

from __future__ import annotations

from typing import Any

from conformance.support.certs import make_certificate

from .action_case import ActionCase
from .setups import GROUP_ARN, IN_GROUP, Make, Setup, group_step, made

_TLS = make_certificate("iam.gwconform.test")
_CA = make_certificate("iam-ca.gwconform.test")
_SERVER = {"cert": _TLS.cert_pem, "key": _TLS.key_pem}
_CONSUMER = "gwcjack"
_VAULT = {"uri": "http://127.0.0.1:8200", "prefix": "kv/apisix", "token": "gwconform-token"}
_PROTO = {"content": 'syntax = "proto3"; package gwc; message Ping { string text = 1; }'}


def _admin(kind: str) -> str:
    return f"/apisix/admin/{kind}"


def _group_crud(kind: str, noun: str, body: dict[str, Any], *needs: Make) -> list[ActionCase]:
    """Get, create, update and delete of a group's `kind` (an id the server gives on POST),
    after the `needs` it refers to."""
    item = Make("item", "POST", _admin(kind), body, params=IN_GROUP)
    with_item = made(group_step(), *needs, item)
    path = _admin(kind) + "/{item}"
    return [
        ActionCase(f"gateway:Get{noun}", "GET", path, GROUP_ARN, with_item, params=IN_GROUP),
        ActionCase(
            f"gateway:Create{noun}",
            "POST",
            _admin(kind),
            GROUP_ARN,
            made(group_step(), *needs),
            body=body,
            params=IN_GROUP,
        ),
        ActionCase(
            f"gateway:Update{noun}", "PUT", path, GROUP_ARN, with_item, body=body, params=IN_GROUP
        ),
        ActionCase(f"gateway:Delete{noun}", "DELETE", path, GROUP_ARN, with_item, params=IN_GROUP),
    ]


_GROUP = made(group_step())
_CONSUMER_STEP = Make(
    "consumer", "PUT", _admin("consumers"), {"username": _CONSUMER}, IN_GROUP, "username"
)
_WITH_CONSUMER = made(group_step(), _CONSUMER_STEP)
_CREDENTIAL = Make(
    "credential",
    "POST",
    _admin("consumers/{consumer}/credentials"),
    {"plugins": {"key-auth": {"key": "{unique}"}}},
    IN_GROUP,
)
_WITH_CREDENTIAL = made(group_step(), _CONSUMER_STEP, _CREDENTIAL)
_CONSUMER_ARN = GROUP_ARN + "/consumer/{consumer}"
_CREDENTIALS = _admin("consumers/{consumer}/credentials")
_TEMPLATE_PATH = "/api/services/template/{template}"
_CERT = Make("cert", "POST", _admin("certificates"), _SERVER, IN_GROUP)
_TEMPLATE = Make(
    "template", "POST", "/api/services/template", {"name": "{unique}"}, cleanup=_TEMPLATE_PATH
)
_TEMPLATE_ARN = "arn:api7:gateway:servicetemplate/{template}"
_PUBLISH = {
    "gateway_group_id": "{group}",
    "create_new_version": True,
    "services": [{"service_id": "{template}", "version": "{unique}"}],
}
_PUBLISHED_PATH = "/api/gateway_groups/{group}/services/{template}"
# the template first, so the group (with what is published in it) is deleted before it
_PUBLISHED = made(
    _TEMPLATE,
    group_step(),
    Make(
        "publication",
        "POST",
        "/api/services/publish",
        _PUBLISH,
        id_field=None,
        cleanup=_PUBLISHED_PATH,
    ),
)
_PUBLISHED_ARN = GROUP_ARN + "/publishedservice/{template}"
_REGISTRIES = "/api/gateway_groups/{group}/service_registries"
_NACOS = {
    "name": "{unique}",
    "type": "nacos",
    "nacos_config": {"hosts": ["http://127.0.0.1:8848"], "fetch_interval": 30},
}
_WITH_REGISTRY = made(group_step(), Make("registry", "POST", _REGISTRIES, _NACOS))
_PROVIDER = _admin("secret_providers/vault/gwcvault")
_WITH_PROVIDER = made(group_step(), Make("provider", "PUT", _PROVIDER, _VAULT, IN_GROUP, None))
_METADATA = _admin("plugin_metadata/http-logger")
_LOG_FORMAT = {"log_format": {"host": "$host"}}
_WITH_METADATA = made(group_step(), Make("metadata", "PUT", _METADATA, _LOG_FORMAT, IN_GROUP, None))
_PROVIDER_ARN = GROUP_ARN + "/secret_provider/gwcvault"


def _consumer_case(
    action: str, method: str, path: str, arn: str, setup: Setup, body: Any = None
) -> ActionCase:
    return ActionCase(action, method, path, arn, setup, body=body, params=IN_GROUP)


CASES: list[ActionCase] = [
    # gateway groups and their instances
    ActionCase("gateway:GetGatewayGroup", "GET", "/api/gateway_groups/{group}", GROUP_ARN, _GROUP),
    ActionCase(
        "gateway:CreateGatewayGroup",
        "POST",
        "/api/gateway_groups",
        "arn:api7:gateway:gatewaygroup/*",
        _GROUP,
        body={"name": "{unique}-made"},
        creates="/api/gateway_groups/{id}",
    ),
    ActionCase(
        "gateway:UpdateGatewayGroup",
        "PUT",
        "/api/gateway_groups/{group}",
        GROUP_ARN,
        _GROUP,
        body={"name": "{unique}-renamed", "description": "renamed"},
    ),
    ActionCase(
        "gateway:DeleteGatewayGroup", "DELETE", "/api/gateway_groups/{group}", GROUP_ARN, _GROUP
    ),
    ActionCase(
        "gateway:GetAdminKey", "GET", "/api/gateway_groups/{group}/admin_key", GROUP_ARN, _GROUP
    ),
    ActionCase(
        "gateway:GetGatewayInstance",
        "GET",
        "/api/gateway_groups/{group}/instances",
        GROUP_ARN,
        _GROUP,
    ),
    ActionCase(
        "gateway:CreateGatewayInstance",
        "POST",
        "/api/gateway_groups/{group}/instance_token",
        GROUP_ARN,
        _GROUP,
    ),
    # consumers and their credentials
    _consumer_case(
        "gateway:GetConsumer", "GET", _admin("consumers/{consumer}"), _CONSUMER_ARN, _WITH_CONSUMER
    ),
    _consumer_case(
        "gateway:CreateConsumer",
        "PUT",
        _admin("consumers"),
        GROUP_ARN + "/consumer/*",
        _GROUP,
        {"username": _CONSUMER},
    ),
    _consumer_case(
        "gateway:UpdateConsumer",
        "PUT",
        _admin("consumers/{consumer}"),
        _CONSUMER_ARN,
        _WITH_CONSUMER,
        {"username": _CONSUMER, "desc": "updated"},
    ),
    _consumer_case(
        "gateway:DeleteConsumer",
        "DELETE",
        _admin("consumers/{consumer}"),
        _CONSUMER_ARN,
        _WITH_CONSUMER,
    ),
    _consumer_case(
        "gateway:GetConsumerCredential", "GET", _CREDENTIALS, _CONSUMER_ARN, _WITH_CONSUMER
    ),
    _consumer_case(
        "gateway:CreateConsumerCredential",
        "POST",
        _CREDENTIALS,
        _CONSUMER_ARN,
        _WITH_CONSUMER,
        {"plugins": {"key-auth": {"key": "{unique}"}}},
    ),
    _consumer_case(
        "gateway:UpdateConsumerCredential",
        "PUT",
        _CREDENTIALS + "/{credential}",
        _CONSUMER_ARN,
        _WITH_CREDENTIAL,
        {"plugins": {"key-auth": {"key": "{unique}-new"}}},
    ),
    _consumer_case(
        "gateway:DeleteConsumerCredential",
        "DELETE",
        _CREDENTIALS + "/{credential}",
        _CONSUMER_ARN,
        _WITH_CREDENTIAL,
    ),
    # the group's certificates, SSL objects, SNIs, global rules, plugin metadata, protos
    *_group_crud("ssls", "SSLCertificate", {**_SERVER, "snis": ["iam.gwconform.test"]}),
    *_group_crud("certificates", "Certificate", _SERVER),
    *_group_crud("ca_certificates", "CACertificate", {"cert": _CA.cert_pem}),
    *_group_crud(
        "snis", "SNI", {"domain": "iam.gwconform.test", "certificates": ["{cert}"]}, _CERT
    ),
    *_group_crud("global_rules", "GlobalPluginRule", {"plugins": {"request-id": {}}}),
    *_group_crud("protos", "Proto", _PROTO),
    *[
        ActionCase(action, method, _METADATA, GROUP_ARN, _WITH_METADATA, body=body, params=IN_GROUP)
        for action, method, body in (
            ("gateway:GetPluginMetadata", "GET", None),
            ("gateway:UpdatePluginMetadata", "PUT", _LOG_FORMAT),
            ("gateway:DeletePluginMetadata", "DELETE", None),
        )
    ],
    # service registries and secret providers
    ActionCase(
        "gateway:GetServiceRegistry", "GET", _REGISTRIES + "/{registry}", GROUP_ARN, _WITH_REGISTRY
    ),
    ActionCase(
        "gateway:ConnectServiceRegistry", "POST", _REGISTRIES, GROUP_ARN, _GROUP, body=_NACOS
    ),
    ActionCase(
        "gateway:UpdateServiceRegistry",
        "PUT",
        _REGISTRIES + "/{registry}",
        GROUP_ARN,
        _WITH_REGISTRY,
        body=_NACOS,
    ),
    ActionCase(
        "gateway:DisconnectServiceRegistry",
        "DELETE",
        _REGISTRIES + "/{registry}",
        GROUP_ARN,
        _WITH_REGISTRY,
    ),
    ActionCase(
        "gateway:GetSecretProvider",
        "GET",
        _PROVIDER,
        _PROVIDER_ARN,
        _WITH_PROVIDER,
        params=IN_GROUP,
    ),
    ActionCase(
        "gateway:PutSecretProvider",
        "PUT",
        _PROVIDER,
        _PROVIDER_ARN,
        _WITH_PROVIDER,
        body=_VAULT,
        params=IN_GROUP,
    ),
    ActionCase(
        "gateway:DeleteSecretProvider",
        "DELETE",
        _PROVIDER,
        _PROVIDER_ARN,
        _WITH_PROVIDER,
        params=IN_GROUP,
    ),
    # service templates, publishing and published services
    ActionCase(
        "gateway:GetServiceTemplate",
        "GET",
        "/api/services/template/{template}",
        _TEMPLATE_ARN,
        made(_TEMPLATE),
    ),
    ActionCase(
        "gateway:CreateServiceTemplate",
        "POST",
        "/api/services/template",
        "arn:api7:gateway:servicetemplate/*",
        made(_TEMPLATE),
        body={"name": "{unique}-made"},
        creates="/api/services/template/{id}",
    ),
    ActionCase(
        "gateway:UpdateServiceTemplate",
        "PUT",
        "/api/services/template/{template}",
        _TEMPLATE_ARN,
        made(_TEMPLATE),
        body={"name": "{unique}-renamed"},
    ),
    ActionCase(
        "gateway:DeleteServiceTemplate",
        "DELETE",
        "/api/services/template/{template}",
        _TEMPLATE_ARN,
        made(_TEMPLATE),
    ),
    ActionCase(
        "gateway:PublishServices",
        "POST",
        "/api/services/publish",
        GROUP_ARN + "/publishedservice/*",
        made(_TEMPLATE, group_step()),
        body=_PUBLISH,
        creates=_PUBLISHED_PATH,
    ),
    ActionCase("gateway:GetPublishedService", "GET", _PUBLISHED_PATH, _PUBLISHED_ARN, _PUBLISHED),
    ActionCase(
        "gateway:CreatePublishedService",
        "POST",
        _admin("services"),
        GROUP_ARN + "/publishedservice/*",
        _GROUP,
        body={"name": "{unique}", "upstream": {"nodes": {"127.0.0.1:1980": 1}}},
        params=IN_GROUP,
    ),
    ActionCase(
        "gateway:UpdatePublishedService",
        "PATCH",
        _PUBLISHED_PATH + "/runtime_configuration",
        _PUBLISHED_ARN,
        _PUBLISHED,
        body=[{"op": "replace", "path": "/status", "value": 1}],
    ),
    ActionCase(
        "gateway:DeletePublishedService", "DELETE", _PUBLISHED_PATH, _PUBLISHED_ARN, _PUBLISHED
    ),
]
