"""IAM's CRUD collections (roles, permission policies) on the generic `Collection`: their
context over the IAM records, and their endpoints for the IAM app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..admin.ssl_crypto import Keyring
from ..api.collection import Collection
from ..api.context import Context
from ..api.dialects import IamDialect
from ..api.routes import collection_routes
from .service import IamService

IAM = IamDialect()


def iam_context(iam: IamService) -> Context:
    return Context(iam.config, iam.records, Keyring.from_config(iam.config.raw), IAM)


def routes(
    coll: Collection, id_param: str, scope_of: Callable[[Any], str | None] | None = None
) -> list[tuple[str, str, Any]]:
    """The IAM app's handlers answer the body alone (always 200); `scope_of(call)` scopes
    the collection (a token's user)."""

    def answer_body(handler: Any) -> Any:
        return lambda iam, call: handler(iam, call)[1]

    return [
        (method, path, answer_body(handler))
        for method, path, handler in collection_routes(
            coll, id_param, iam_context, "/api", scope_of=scope_of
        )
    ]
