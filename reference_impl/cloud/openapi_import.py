"""Create an application, with one API per operation, from an OpenAPI document
(`POST /clusters/{cluster_id}/apps/openapi`, body `{"openapi": "<JSON or YAML text>"}`).

The upstream is the document's first absolute server URL, whose path becomes the
application's path prefix; a path with `{templates}` becomes a prefix match up to its first
template, other paths exact matches.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import yaml

from . import lookup
from .apis import checked_api
from .applications import checked_application, publish
from .context import CloudContext, CloudRequest
from .envelope import invalid
from .schemas import API, APPLICATION
from .validation import check_body

IMPORT_BODY = {
    "type": "object",
    "required": ["openapi"],
    "properties": {"openapi": {"type": "string", "minLength": 1, "maxLength": 1048576}},
}
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def _document(text: str) -> dict[str, Any]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        raise invalid("openapi: not a JSON or YAML document") from None
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise invalid("openapi: not an OpenAPI document (no `paths` mapping)")
    if not str(document.get("openapi", document.get("swagger", ""))).startswith(("2.", "3.")):
        raise invalid("openapi: only OpenAPI 3.x and Swagger 2.0 documents are supported")
    return document


def _server(document: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """(upstream, path prefix) from `servers[0].url` (or Swagger's host/basePath/schemes)."""
    if document.get("swagger"):
        schemes = document.get("schemes")
        scheme = schemes[0] if isinstance(schemes, list) and schemes else "http"
        url = f"{scheme}://{document.get('host', '')}{document.get('basePath', '')}"
    else:
        servers = document.get("servers")
        first = servers[0] if isinstance(servers, list) and servers else None
        url = str(first.get("url", "")) if isinstance(first, dict) else ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid("openapi: the first server needs an absolute http(s) URL for the upstream")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise invalid(f"openapi: invalid port in server URL {url!r}") from None
    target = {"host": parts.hostname, "port": port, "weight": 1}
    return {"scheme": parts.scheme, "targets": [target]}, parts.path.rstrip("/") or "/"


def _apis(document: dict[str, Any]) -> list[dict[str, Any]]:
    apis: list[dict[str, Any]] = []
    names: set[str] = set()
    for path, item in document["paths"].items():
        if not isinstance(item, dict) or not str(path).startswith("/"):
            continue
        fixed, templated, _ = str(path).partition("{")
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            name = str(operation.get("operationId") or f"{method.upper()} {path}")[:60]
            while name in names:
                name = name[:58] + f"-{len(names) % 100}"
            names.add(name)
            apis.append(
                {
                    "name": name,
                    "description": str(operation.get("summary", ""))[:256],
                    "methods": [method.upper()],
                    "paths": [{"path": fixed, "path_type": "Prefix" if templated else "Exact"}],
                }
            )
    if not apis:
        raise invalid("openapi: the document has no operations")
    return apis


def import_openapi(ctx: CloudContext, req: CloudRequest) -> Any:
    cluster = lookup.cluster(ctx, req)
    document = _document(lookup.body(req, IMPORT_BODY)["openapi"])
    upstream, prefix = _server(document)
    info = document.get("info")
    info = info if isinstance(info, dict) else {}
    conf = {
        "name": str(info.get("title") or "openapi-import")[:64],
        "description": str(info.get("description") or "")[:256],
        "hosts": ["*"],
        "path_prefix": prefix,
        "upstreams": [{"upstream": upstream, "version": "default"}],
    }
    app = checked_application(ctx, cluster["id"], check_body(APPLICATION, conf))
    apis = [checked_api(ctx, app, check_body(API, conf)) for conf in _apis(document)]
    publish(ctx, app, apis)
    ctx.records.put("apps", app)
    for api in apis:
        ctx.records.put("apis", api)
    return app
