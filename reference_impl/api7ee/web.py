"""The API7 envelope of a single object: `{"value": ...}`."""

from __future__ import annotations

from typing import Any


def value(obj: Any) -> dict[str, Any]:
    return {"value": obj}
