"""The Admin API paths that are not plain id-addressed resources: consumers and their
credentials, secrets, plugin metadata, plugins, and schema validation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .openapi_parts import (
    ID_PARAM,
    PREFIX,
    json_body,
    json_response,
    links,
    list_params,
    operation,
    param,
)
from .request_schemas import USERNAME_PATTERN
from .schema_helpers import Schema, narrowed, ref

if TYPE_CHECKING:
    from .apisix_openapi import Builder

KNOWN_PLUGINS = ["key-auth", "limit-count", "proxy-rewrite", "request-id", "cors"]
VALIDATED_RESOURCES = {
    "routes": "Route",
    "services": "Service",
    "upstreams": "Upstream",
    "consumers": "Consumer",
    "ssls": "Ssl",
    "stream_routes": "StreamRoute",
    "protos": "Proto",
}
USERNAME = param(
    "username", {"type": "string", "minLength": 1, "maxLength": 256, "pattern": USERNAME_PATTERN}
)


def _written(value: str, link_set: Schema) -> Schema:
    return {
        "200": json_response(f"{value}Written", "replaced", link_set),
        "201": json_response(f"{value}Written", "created", link_set),
    }


def _add_get_delete(
    b: Builder,
    path: str,
    name: str,
    value: str,
    fetch: tuple[str, str],
    delete_summary: str,
    feature: str | None,
    parameters: list[Schema],
) -> None:
    """GET (`fetch` = summary, response description) and DELETE of one addressed object."""
    b.add(
        path,
        "get",
        operation(
            f"get{name}",
            fetch[0],
            {"200": json_response(f"{value}Fetched", fetch[1])},
            feature,
            parameters=parameters,
        ),
    )
    b.add(
        path,
        "delete",
        operation(
            f"delete{name}",
            delete_summary,
            {"200": json_response("Deleted", "deleted")},
            feature,
            parameters=parameters,
        ),
    )


def add_consumers(b: Builder) -> None:
    many, one = f"{PREFIX}/consumers", f"{PREFIX}/consumers/{{username}}"
    by_body = {"username": "$request.body#/username"}
    after_put = links(
        {
            "getConsumer": by_body,
            "deleteConsumer": by_body,
            "listConsumers": {},
            "putCredential": by_body,
            "listCredentials": by_body,
        }
    )
    b.add(
        many,
        "get",
        operation(
            "listConsumers",
            "List consumers",
            {"200": json_response("ConsumerValueList", "the list")},
            None,
            parameters=list_params(False),
        ),
    )
    b.add(
        many,
        "put",
        operation(
            "putConsumer",
            "Create (201) or replace (200) the consumer named by `username`",
            _written("ConsumerValue", after_put),
            None,
            requestBody=json_body(ref("Consumer")),
        ),
    )
    _add_get_delete(
        b,
        one,
        "Consumer",
        "ConsumerValue",
        ("Fetch a consumer", "the consumer"),
        "Delete a consumer and its credentials",
        None,
        [USERNAME],
    )
    _add_credentials(b)


def _add_credentials(b: Builder) -> None:
    feature = "admin-consumer-credentials"
    many = f"{PREFIX}/consumers/{{username}}/credentials"
    one = f"{many}/{{id}}"
    by_path = {"username": "$request.path.username", "id": "$request.path.id"}
    after_put = links(
        {
            "getCredential": by_path,
            "deleteCredential": by_path,
            "listCredentials": {"username": "$request.path.username"},
        }
    )
    b.add(
        many,
        "get",
        operation(
            "listCredentials",
            "List the credentials of a consumer",
            {"200": json_response("StoredValueList", "the list")},
            feature,
            parameters=[USERNAME],
        ),
    )
    b.add(
        one,
        "put",
        operation(
            "putCredential",
            "Create (201) or replace (200) a credential of an existing consumer",
            _written("StoredValue", after_put),
            feature,
            parameters=[USERNAME, ID_PARAM],
            requestBody=json_body(ref("Credential")),
        ),
    )
    _add_get_delete(
        b,
        one,
        "Credential",
        "StoredValue",
        ("Fetch a credential", "the credential"),
        "Delete a credential",
        feature,
        [USERNAME, ID_PARAM],
    )


def add_secrets(b: Builder) -> None:
    feature = "admin-secrets"
    one = f"{PREFIX}/secrets/{{manager}}/{{id}}"
    manager = param("manager", {"type": "string", "enum": ["vault"]}, description="secret manager")
    by_path = {"manager": "$request.path.manager", "id": "$request.path.id"}
    after_put = links(
        {
            "getSecret": by_path,
            "patchSecret": by_path,
            "patchSecretAttribute": by_path,
            "deleteSecret": by_path,
            "listSecrets": {},
        }
    )
    after_patch = links({"getSecret": by_path, "deleteSecret": by_path})
    b.add(
        f"{PREFIX}/secrets",
        "get",
        operation(
            "listSecrets",
            "List secrets",
            {"200": json_response("SecretValueList", "the list")},
            feature,
            parameters=list_params(False),
        ),
    )
    b.add(
        one,
        "put",
        operation(
            "putSecret",
            "Create (201) or replace (200) a secret of a secret manager",
            _written("SecretValue", after_put),
            feature,
            parameters=[manager, ID_PARAM],
            requestBody=json_body(ref("VaultSecret")),
        ),
    )
    _add_get_delete(
        b,
        one,
        "Secret",
        "SecretValue",
        ("Fetch a secret", "the secret"),
        "Delete a secret",
        feature,
        [manager, ID_PARAM],
    )
    patched = {"200": json_response("SecretValueWritten", "patched", after_patch)}
    b.add(
        one,
        "patch",
        operation(
            "patchSecret",
            "Merge the given attributes (null deletes one)",
            patched,
            feature,
            parameters=[manager, ID_PARAM],
            requestBody=json_body(b.partial("VaultSecret")),
        ),
    )
    b.add(
        f"{one}/{{path}}",
        "patch",
        operation(
            "patchSecretAttribute",
            "Replace the attribute named by the sub-path",
            patched,
            feature,
            parameters=[manager, ID_PARAM, param("path", {"type": "string", "enum": ["token"]})],
            requestBody=json_body(
                narrowed({"type": "string", "maxLength": 256}, {"type": "string"})
            ),
        ),
    )


def add_plugin_metadata(b: Builder) -> None:
    one = f"{PREFIX}/plugin_metadata/{{plugin_name}}"
    plugin = param(
        "plugin_name",
        {"type": "string", "enum": ["cors"]},
        description="a plugin that has a metadata_schema",
    )
    by_path = {"plugin_name": "$request.path.plugin_name"}
    after_put = links({"getPluginMetadata": by_path, "deletePluginMetadata": by_path})
    b.add(
        one,
        "put",
        operation(
            "putPluginMetadata",
            "Create (201) or replace (200) the metadata of a plugin",
            _written("PluginMetadataValue", after_put),
            None,
            parameters=[plugin],
            requestBody=json_body(ref("CorsMetadata")),
        ),
    )
    _add_get_delete(
        b,
        one,
        "PluginMetadata",
        "PluginMetadataValue",
        ("Fetch the metadata of a plugin", "the metadata"),
        "Delete the metadata of a plugin",
        None,
        [plugin],
    )


def add_plugins(b: Builder) -> None:
    subsystem = param("subsystem", {"type": "string", "enum": ["http", "stream"]}, "query")
    b.add(
        f"{PREFIX}/plugins/list",
        "get",
        operation(
            "listPlugins",
            "Names of the enabled plugins",
            {"200": json_response("PluginList", "plugin names")},
            None,
            parameters=[subsystem],
        ),
    )
    name = param("plugin_name", {"type": "string", "enum": KNOWN_PLUGINS})
    http = param("subsystem", {"type": "string", "enum": ["http"]}, "query")
    b.add(
        f"{PREFIX}/plugins/{{plugin_name}}",
        "get",
        operation(
            "getPluginSchema",
            "The JSON Schema of a plugin",
            {"200": json_response("PluginSchema", "the schema")},
            None,
            parameters=[name, http],
        ),
    )
    every = {**param("all", {"type": "string", "enum": ["true"]}, "query"), "required": True}
    b.add(
        f"{PREFIX}/plugins",
        "get",
        operation(
            "getAllPlugins",
            "Every attribute of every plugin (deprecated)",
            {"200": json_response("AllPlugins", "all plugins")},
            None,
            deprecated=True,
            parameters=[every],
        ),
    )


def add_schema_validation(b: Builder) -> None:
    for segment, body in VALIDATED_RESOURCES.items():
        b.add(
            f"{PREFIX}/schema/validate/{segment}",
            "post",
            operation(
                f"validate{body}",
                f"Check a {segment} configuration against its schema (nothing is stored)",
                {"200": {"description": "valid (APISIX answers with an empty body)"}},
                "admin-schema-validate",
                requestBody=json_body(ref(body)),
            ),
        )
