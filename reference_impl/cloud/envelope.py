"""The API7 Cloud response envelope: `{"status": {"code", "message"}, "error", "payload"}`.

Status codes follow the gRPC code table the Cloud SDK decodes (`codes.OK` is 0, "OK"); the
HTTP status says the same thing for clients that only look at it (the SDK treats anything
but 200 as a failure and reads `status` and `error` for the reason).
"""

from __future__ import annotations

from typing import Any

OK = (0, "OK")
INVALID_ARGUMENT = (3, "InvalidArgument")
NOT_FOUND = (5, "NotFound")
ALREADY_EXISTS = (6, "AlreadyExists")
FAILED_PRECONDITION = (9, "FailedPrecondition")
UNIMPLEMENTED = (12, "Unimplemented")
INTERNAL = (13, "Internal")
UNAVAILABLE = (14, "Unavailable")
UNAUTHENTICATED = (16, "Unauthenticated")

HTTP_STATUS = {
    OK: 200,
    INVALID_ARGUMENT: 400,
    NOT_FOUND: 404,
    ALREADY_EXISTS: 409,
    FAILED_PRECONDITION: 409,
    UNIMPLEMENTED: 405,
    INTERNAL: 500,
    UNAVAILABLE: 503,
    UNAUTHENTICATED: 401,
}

NO_PAYLOAD: Any = object()  # an answer that carries only `status` and `error`


class Reply:
    """A payload with a `warning` (the SDK's envelope field for a caveat on a success)."""

    def __init__(self, payload: Any, warning: str) -> None:
        self.payload = payload
        self.warning = warning


class CloudError(Exception):
    """A request the Cloud API refuses; `kind` is one of the code pairs above."""

    def __init__(self, kind: tuple[int, str], error: str) -> None:
        super().__init__(error)
        self.kind = kind
        self.error = error

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.kind]


def invalid(error: str) -> CloudError:
    return CloudError(INVALID_ARGUMENT, error)


def not_found(what: str) -> CloudError:
    return CloudError(NOT_FOUND, f"{what} not found")


def conflict(error: str) -> CloudError:
    return CloudError(ALREADY_EXISTS, error)


def precondition(error: str) -> CloudError:
    return CloudError(FAILED_PRECONDITION, error)


def success_body(payload: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"status": {"code": OK[0], "message": OK[1]}, "error": ""}
    if isinstance(payload, Reply):
        body["warning"] = payload.warning
        payload = payload.payload
    if payload is not NO_PAYLOAD:
        body["payload"] = payload
    return body


def error_body(kind: tuple[int, str], error: str) -> dict[str, Any]:
    return {"status": {"code": kind[0], "message": kind[1]}, "error": error}
