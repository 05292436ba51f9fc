"""Builds the OpenAPI 3.0 documents of the APISIX Admin API (3.x `v3` bodies and 2.x bodies).

The documents are shipped as `conformance/data/specs/apisix-admin-v3.yaml` and
`apisix-admin-v2.yaml`; `python -m tools.apisix_specs` rewrites them, and a unit test checks
that the shipped files are what this module builds. Every operation of the Admin
API 3.5 seed is here, plus consumer credentials; operations of an Extended feature carry
`x-gwconform-feature`.
Responses carry OpenAPI links (create -> get -> patch -> list -> delete) for stateful tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import SPEC_DIR
from . import special_paths as special
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
from .request_schemas import request_schemas
from .response_schemas import response_schemas
from .schema_helpers import Schema, ref

VERSIONS = ("v3", "v2")


@dataclass(frozen=True)
class Resource:
    """An id-addressed resource: list, get, put, delete, and optionally post and patch."""

    segment: str
    singular: str
    value: str
    post: bool = True
    # the attribute a sub-path PATCH replaces, and the schema of its new value
    patch_attribute: tuple[str, Schema] | None = None
    feature: str | None = None
    uri_filter: bool = False
    # attributes a PATCH body leaves out: merged into a stored value they could make it invalid
    patch_excludes: tuple[str, ...] = ()


DESC = ("desc", {"type": "string", "maxLength": 256})
EXCLUSIVE_MATCHERS = ("uri", "uris", "host", "hosts", "remote_addr", "remote_addrs")
RESOURCES = (
    Resource(
        "routes",
        "Route",
        "RouteValue",
        patch_attribute=DESC,
        uri_filter=True,
        patch_excludes=EXCLUSIVE_MATCHERS,
    ),
    Resource("services", "Service", "StoredValue", patch_attribute=DESC),
    Resource("upstreams", "Upstream", "UpstreamValue", patch_attribute=DESC),
    Resource("ssls", "Ssl", "SslValue"),
    Resource(
        "global_rules",
        "GlobalRule",
        "StoredValue",
        post=False,
        patch_attribute=("plugins", ref("RoutePlugins")),
    ),
    Resource("consumer_groups", "ConsumerGroup", "StoredValue", post=False, patch_attribute=DESC),
    Resource("plugin_configs", "PluginConfig", "StoredValue", post=False, patch_attribute=DESC),
    Resource("stream_routes", "StreamRoute", "StoredValue", feature="admin-stream-routes"),
    Resource("protos", "Proto", "StoredValue", feature="admin-protos"),
)


class Builder:
    """Assembles one version of the document."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.paths: dict[str, Schema] = {}
        self.schemas = request_schemas()

    def add(self, path: str, method: str, built: Schema) -> None:
        self.paths.setdefault(path, {})[method] = built

    def partial(self, body: str, exclude: tuple[str, ...] = ()) -> Schema:
        """A PATCH body: the attributes of `body` but `exclude`, none required, one at least."""
        properties = self.schemas[body]["properties"]
        return {
            "type": "object",
            "properties": {k: v for k, v in properties.items() if k not in exclude},
            "additionalProperties": False,
            "minProperties": 1,
        }

    def resource(self, res: Resource) -> None:
        one, many = f"{PREFIX}/{res.segment}/{{id}}", f"{PREFIX}/{res.segment}"
        name, feature, body = res.singular, res.feature, ref(res.singular)
        by_path = {"id": "$request.path.id"}
        follow = {f"get{name}": by_path, f"delete{name}": by_path, f"list{name}s": {}}
        if res.patch_attribute:
            follow |= {f"patch{name}": by_path, f"patch{name}Attribute": by_path}
        written = f"{res.value}Written"
        self.add(
            many,
            "get",
            operation(
                f"list{name}s",
                f"List {res.segment}",
                {"200": json_response(f"{res.value}List", "the list")},
                feature,
                parameters=list_params(res.uri_filter),
            ),
        )
        if res.post:
            created = (
                "$response.body#/value/id"
                if self.version == "v3"
                else "$response.body#/node/value/id"
            )
            by_created = {op: {"id": created} if params else {} for op, params in follow.items()}
            self.add(
                many,
                "post",
                operation(
                    f"create{name}",
                    f"Create one of {res.segment} with a generated id",
                    {"201": json_response(written, "created", links(by_created))},
                    feature,
                    requestBody=json_body(body),
                ),
            )
        self.add(
            one,
            "put",
            operation(
                f"put{name}",
                f"Create (201) or replace (200) one of {res.segment}",
                {
                    "200": json_response(written, "replaced", links(follow)),
                    "201": json_response(written, "created", links(follow)),
                },
                feature,
                parameters=[ID_PARAM],
                requestBody=json_body(body),
            ),
        )
        fetched = "SslPublicValueFetched" if res.segment == "ssls" else f"{res.value}Fetched"
        self.add(
            one,
            "get",
            operation(
                f"get{name}",
                f"Fetch one of {res.segment}",
                {"200": json_response(fetched, "the resource")},
                feature,
                parameters=[ID_PARAM],
            ),
        )
        self.add(
            one,
            "delete",
            operation(
                f"delete{name}",
                f"Delete one of {res.segment} (400 while in use)",
                {"200": json_response("Deleted", "deleted")},
                feature,
                parameters=[ID_PARAM],
            ),
        )
        if res.patch_attribute:
            attribute, attribute_schema = res.patch_attribute
            patched = {
                "200": json_response(
                    written, "patched", links({f"get{name}": by_path, f"delete{name}": by_path})
                )
            }
            self.add(
                one,
                "patch",
                operation(
                    f"patch{name}",
                    "Merge the given attributes (null deletes one)",
                    patched,
                    feature,
                    parameters=[ID_PARAM],
                    requestBody=json_body(self.partial(res.singular, res.patch_excludes)),
                ),
            )
            sub_path = param(
                "path", {"type": "string", "enum": [attribute]}, description="attribute"
            )
            self.add(
                f"{one}/{{path}}",
                "patch",
                operation(
                    f"patch{name}Attribute",
                    "Replace the attribute named by the sub-path",
                    patched,
                    feature,
                    parameters=[ID_PARAM, sub_path],
                    requestBody=json_body(attribute_schema),
                ),
            )

    def document(self) -> dict[str, Any]:
        for res in RESOURCES:
            self.resource(res)
        special.add_consumers(self)
        special.add_secrets(self)
        special.add_plugin_metadata(self)
        special.add_plugins(self)
        special.add_schema_validation(self)
        bodies = {
            "v3": "v3 bodies (`key`/`value`, `total`/`list`)",
            "v2": "2.x bodies (`action`, `node`, `count`)",
        }[self.version]
        return {
            "openapi": "3.0.3",
            "info": {
                "title": f"Apache APISIX Admin API ({self.version})",
                "version": "3.5" if self.version == "v3" else "2.x",
                "description": (
                    f"The APISIX Admin API with {bodies}, written from the Admin API 3.5 "
                    "documentation and apache/apisix `schema_def.lua`. Request schemas are the "
                    "documented constraints, narrowed so that generated valid documents are "
                    "accepted by a conformant gateway; a narrowed schema keeps the documented "
                    "one under `x-gwconform-faithful` (used for invalid documents)."
                ),
            },
            "servers": [{"url": "http://127.0.0.1:9180", "description": "default admin_listen"}],
            "security": [{"adminKey": []}],
            "paths": self.paths,
            "components": {
                "securitySchemes": {
                    "adminKey": {"type": "apiKey", "in": "header", "name": "X-API-KEY"}
                },
                "schemas": {**self.schemas, **response_schemas(self.version)},
            },
        }


def build(version: str) -> dict[str, Any]:
    if version not in VERSIONS:
        raise ValueError(f"unknown Admin API version {version!r}, expected one of {VERSIONS}")
    return Builder(version).document()


def spec_path(version: str) -> Path:
    return SPEC_DIR / f"apisix-admin-{version}.yaml"


def render(version: str) -> str:
    return yaml.safe_dump(build(version), sort_keys=False, allow_unicode=True, width=100)
