"""Small builders of JSON Schema pieces (OpenAPI 3.0 dialect) shared by the APISIX spec modules."""

from __future__ import annotations

from typing import Any

from conformance.specs.extensions import FAITHFUL

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def narrowed(generated: Schema, documented: Schema) -> Schema:
    """`generated` for valid documents, remembering the `documented` schema it narrows."""
    return {**generated, FAITHFUL: documented}


def text(**bounds: Any) -> Schema:
    """A string with generation bounds the documentation does not have."""
    return narrowed({"type": "string", **bounds}, {"type": "string"})


def bounded_int(minimum: int | None, maximum: int) -> Schema:
    """An integer with a generation ceiling the documentation does not have."""
    documented: Schema = {"type": "integer"}
    if minimum is not None:
        documented["minimum"] = minimum
    return narrowed(
        {**documented, "minimum": minimum if minimum is not None else -maximum, "maximum": maximum},
        documented,
    )


def closed(
    properties: Schema,
    required: list[str] | None = None,
    *,
    open_in_docs: bool = False,
    **extra: Any,
) -> Schema:
    """An object schema without unknown properties (`open_in_docs`: the server allows them)."""
    documented: Schema = {"type": "object", "properties": properties, **extra}
    if required:
        documented["required"] = required
    schema = {**documented, "additionalProperties": False}
    return narrowed(schema, documented) if open_in_docs else schema


def enum_of(generated: list[Any], documented: list[Any] | None = None) -> Schema:
    """An enum narrowed to `generated`; the documentation allows `documented` (any if None)."""
    kind = "integer" if isinstance(generated[0], int) else "string"
    faithful: Schema = {"type": kind, "enum": documented} if documented else {"type": kind}
    return narrowed({"type": kind, "enum": generated}, faithful)
