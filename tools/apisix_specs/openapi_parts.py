"""Small builders for the pieces of an OpenAPI operation: parameters, bodies, responses, links."""

from __future__ import annotations

from typing import Any

from conformance.specs.extensions import FEATURE

from .schema_helpers import Schema, ref

PREFIX = "/apisix/admin"
JSON = "application/json"


def param(name: str, schema: Schema, location: str = "path", description: str = "") -> Schema:
    built: Schema = {"name": name, "in": location, "required": location == "path", "schema": schema}
    if description:
        built["description"] = description
    return built


def json_response(schema_name: str, description: str, links: Schema | None = None) -> Schema:
    response: Schema = {"description": description, "content": {JSON: {"schema": ref(schema_name)}}}
    if links:
        response["links"] = links
    return response


def json_body(schema: Schema) -> Schema:
    return {"required": True, "content": {JSON: {"schema": schema}}}


def links(targets: dict[str, dict[str, str]]) -> Schema:
    """OpenAPI links to other operations (by operationId) with their parameter expressions."""
    return {
        op_id: {"operationId": op_id, "parameters": params} if params else {"operationId": op_id}
        for op_id, params in targets.items()
    }


def operation(
    op_id: str, summary: str, responses: Schema, feature: str | None, **extra: Any
) -> Schema:
    """An operation; every one may answer 400/401/403 and 404 (unknown path or resource)."""
    built: Schema = {
        "operationId": op_id,
        "summary": summary,
        "responses": {
            **responses,
            **ERRORS,
            **{k: v for k, v in NOT_FOUND.items() if k not in responses},
        },
        **extra,
    }
    if feature:
        built[FEATURE] = feature
    return built


def list_params(uri_filter: bool) -> list[Schema]:
    params = [
        param("page", {"type": "integer", "minimum": 1}, "query", "page number, from 1"),
        param("page_size", {"type": "integer", "minimum": 10, "maximum": 500}, "query"),
        param("name", {"type": "string"}, "query", "resources whose name contains this"),
        param("label", {"type": "string"}, "query", "resources that have this label"),
    ]
    if uri_filter:
        params.append(param("uri", {"type": "string"}, "query", "routes whose uri(s) contain this"))
    return params


ERRORS = {
    "400": json_response("ErrorBody", "bad input"),
    "401": json_response("ErrorBody", "missing or wrong X-API-KEY"),
    "403": json_response("ErrorBody", "the key's role may not do this"),
}
NOT_FOUND = {"404": json_response("NotFoundBody", "no such resource or path")}
ID_PARAM = param("id", ref("Id"), description="1-64 of letters, digits, `-`, `_`, `.`")
