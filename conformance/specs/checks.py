"""The checks a spec run applies: schemathesis' own, plus the APISIX error-body rule."""

from __future__ import annotations

import json

from schemathesis import CheckContext, CheckFunction, Response
from schemathesis.checks import not_a_server_error
from schemathesis.generation.case import Case
from schemathesis.specs.openapi import checks as openapi_checks


class MissingErrorBody(AssertionError):
    """A client error without the JSON `{"error_msg": "..."}` body APISIX documents."""


def apisix_error_body(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A 4xx answer is a JSON object with a non-empty string `error_msg`.

    A 404 may instead carry the store's `message` (APISIX answers a missing key so)."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise MissingErrorBody(
            f"{response.status_code} answer is not a JSON object: {response.content[:200]!r}"
        )
    fields = ("error_msg", "message") if response.status_code == 404 else ("error_msg",)
    if not any(isinstance(body.get(name), str) and body[name] for name in fields):
        raise MissingErrorBody(
            f"{response.status_code} answer has no non-empty {' or '.join(fields)}: {body}"
        )
    return True


# Checks of a documented response: it is no server error and is what the spec says.
CONFORMANCE: list[CheckFunction] = [
    not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]
# Valid requests are accepted, invalid ones refused with a 4xx.
ACCEPTANCE: list[CheckFunction] = [
    openapi_checks.positive_data_acceptance,
    openapi_checks.negative_data_rejection,
]
APISIX_ADMIN: list[CheckFunction] = [*CONFORMANCE, *ACCEPTANCE, apisix_error_body]
# Along link sequences: what was created can be fetched, what was deleted is gone. Their
# steps are valid calls only; schemathesis sometimes labels a linked step negative without
# making any part of it invalid, so the negative-data check does not apply here.
STATEFUL: list[CheckFunction] = [
    *CONFORMANCE,
    openapi_checks.positive_data_acceptance,
    apisix_error_body,
    openapi_checks.ensure_resource_availability,
    openapi_checks.use_after_free,
]
ANY_SPEC: list[CheckFunction] = CONFORMANCE
