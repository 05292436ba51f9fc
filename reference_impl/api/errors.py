"""The one exception every API on the admin port raises for an answer that is not a success."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An HTTP refusal with a JSON body; raised anywhere below an endpoint, rendered once.
    A message becomes `{"error_msg": message}` (APISIX's and API7's error body)."""

    def __init__(self, status: int, body: dict[str, Any] | str) -> None:
        if isinstance(body, str):
            body = {"error_msg": body}
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body

    @property
    def message(self) -> str:
        return str(self.body.get("error_msg", self.body))


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


KEY_NOT_FOUND = {"message": "Key not found"}  # what APISIX 3.x answers for a missing key


def key_not_found() -> ApiError:
    return ApiError(404, dict(KEY_NOT_FOUND))


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")
