"""Open any OpenAPI 3 or Swagger 2 document for schemathesis, robustly.

Real vendor specs have quirks: `$ref`s that point nowhere, security requirements naming
schemes that are not defined, no `servers`. Loading repairs what it can, says what it did
(`LoadedSpec.repairs`), and raises `SpecLoadError` (one line) for what it cannot.
"""

from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
import yaml
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation, BaseSchema

from .extensions import FAITHFUL, FEATURE
from .witness import Links, collect_links

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


class SpecLoadError(Exception):
    """The document cannot be used as an API spec; the message says why, in one line."""


@dataclass
class LoadedSpec:
    """A spec ready for schemathesis, with what loading had to repair."""

    path: Path
    raw: dict[str, Any]
    schema: BaseSchema
    repairs: list[str] = field(default_factory=list)

    @property
    def base_path(self) -> str:
        """The path prefix of the API (servers[0] path or Swagger `basePath`), no trailing /."""
        return self.schema.base_path.rstrip("/")

    def base_url(self, target: str) -> str:
        return target.rstrip("/") + self.base_path

    def operations(self) -> list[APIOperation]:
        """Every operation schemathesis could build; the others are in `repairs`."""
        built = []
        for result in self.schema.get_all_operations():
            if isinstance(result, Ok):
                built.append(result.ok())
            else:  # schemathesis wraps its own errors per operation
                self.repairs.append(f"operation skipped: {_one_line(result.err())}")
        return built

    @functools.cached_property
    def links(self) -> Links:
        """The spec's links."""
        built = [r.ok() for r in self.schema.get_all_operations() if isinstance(r, Ok)]
        return collect_links(built)

    def feature_of(self, operation: APIOperation) -> str | None:
        return operation.definition.raw.get(FEATURE)


def read_document(path: Path) -> dict[str, Any]:
    """Parse a YAML or JSON file into the spec's top-level mapping."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecLoadError(f"cannot read spec {path}: {_one_line(exc)}") from None
    try:
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise SpecLoadError(f"spec {path} is not valid JSON/YAML: {_one_line(exc)}") from None
    if not isinstance(document, dict):
        raise SpecLoadError(f"spec {path} is not a mapping at the top level")
    return document


def check_version(document: dict[str, Any], path: Path) -> None:
    openapi, swagger = str(document.get("openapi", "")), str(document.get("swagger", ""))
    if not (openapi.startswith("3.") or swagger == "2.0"):
        raise SpecLoadError(f"spec {path} is neither OpenAPI 3 nor Swagger 2.0")
    if not isinstance(document.get("paths"), dict):
        raise SpecLoadError(f"spec {path} has no `paths` mapping")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _resolves(document: dict[str, Any], reference: str) -> bool:
    if not reference.startswith("#/"):
        return False
    node: Any = document
    for segment in reference[2:].split("/"):
        segment = segment.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and segment in node:
            node = node[segment]
        elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
        else:
            return False
    return True


def _repair_refs(document: dict[str, Any], repairs: list[str]) -> None:
    """Replace `$ref`s that do not resolve inside the document with something harmless."""

    def broken(node: Any) -> bool:
        return (
            isinstance(node, dict)
            and isinstance(node.get("$ref"), str)
            and not _resolves(document, node["$ref"])
        )

    def walk(node: Any, key: str | None) -> Any:
        if broken(node):
            repairs.append(f"unresolvable $ref {node['$ref']!r} replaced")
            return {"description": "unresolvable reference"} if key == "response" else {}
        if isinstance(node, dict):
            return {k: walk(v, k if key != "responses" else "response") for k, v in node.items()}
        if isinstance(node, list):
            if key == "parameters":
                kept = [item for item in node if not broken(item)]
                if len(kept) != len(node):
                    repairs.append("unresolvable parameter $ref dropped")
                return [walk(item, None) for item in kept]
            return [walk(item, None) for item in node]
        return node

    repaired = walk(document, None)
    document.clear()
    document.update(repaired)


def _repair_security(document: dict[str, Any], repairs: list[str]) -> None:
    """Drop security requirements that name undefined schemes."""
    schemes = set((document.get("components") or {}).get("securitySchemes") or {})
    schemes |= set(document.get("securityDefinitions") or {})

    def clean(requirements: Any, where: str) -> Any:
        if not isinstance(requirements, list):
            return requirements
        kept = [r for r in requirements if isinstance(r, dict) and set(r) <= schemes]
        if len(kept) != len(requirements):
            repairs.append(f"security requirement naming an undefined scheme dropped ({where})")
        return kept

    if "security" in document:
        document["security"] = clean(document["security"], "top level")
    for path, item in document["paths"].items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict) and "security" in op:
                op["security"] = clean(op["security"], f"{method.upper()} {path}")


def faithful_variant(document: dict[str, Any]) -> dict[str, Any]:
    """A copy where each narrowed schema is replaced by the documented one it narrows."""

    def swap(node: Any) -> Any:
        if isinstance(node, dict):
            if FAITHFUL in node:
                return swap(node[FAITHFUL])
            return {k: swap(v) for k, v in node.items()}
        if isinstance(node, list):
            return [swap(item) for item in node]
        return node

    return swap(document)


def configure(schema: BaseSchema) -> None:
    """Generation and check settings every gwconform spec run uses."""
    # Credentials are sent by the runner; generating or negating them tests nothing of the API.
    schema.config.generation.update(with_security_parameters=False, allow_extra_parameters=False)
    # An invalid request must be refused as a client error, never a server error.
    schema.config.checks.negative_data_rejection.expected_statuses = ["4xx"]
    # Link sequences follow the spec's own links: a link schemathesis infers from a response
    # is a guess (it led from the instances list to deleting the default gateway group, which
    # the documents answer 400), and the suite never fails a gateway on a guess.
    schema.config.phases.stateful.inference.algorithms = []


def load_spec(path: str | Path, *, faithful: bool = False) -> LoadedSpec:
    """Load and repair a spec; `faithful=True` swaps narrowed schemas for documented ones."""
    spec_path = Path(path)
    document = read_document(spec_path)
    check_version(document, spec_path)
    repairs: list[str] = []
    document = copy.deepcopy(document)
    _repair_refs(document, repairs)
    _repair_security(document, repairs)
    if faithful:
        document = faithful_variant(document)
    try:
        schema = schemathesis.openapi.from_dict(document)
    except Exception as exc:  # schemathesis raises several error types for unusable documents
        raise SpecLoadError(f"spec {spec_path} cannot be loaded: {_one_line(exc)}") from None
    configure(schema)
    return LoadedSpec(spec_path, document, schema, repairs)
