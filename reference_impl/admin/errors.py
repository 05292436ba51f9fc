"""The one exception the Admin API raises for an answer that is not a success."""

from __future__ import annotations

from typing import Any


class AdminError(Exception):
    """An HTTP answer with a JSON body; raised anywhere below the app, rendered once."""

    def __init__(self, status: int, body: dict[str, Any] | str) -> None:
        if isinstance(body, str):
            body = {"error_msg": body}
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


def bad_request(message: str) -> AdminError:
    return AdminError(400, message)


KEY_NOT_FOUND = {"message": "Key not found"}  # what APISIX 3.x answers for a missing key


def not_found() -> AdminError:
    return AdminError(404, dict(KEY_NOT_FOUND))
