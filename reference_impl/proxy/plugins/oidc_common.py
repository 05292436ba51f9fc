"""What openid-connect's bearer verification and its authorization code flow share."""

from __future__ import annotations

import base64
import json
from typing import Any


class Invalid(Exception):
    """A token (or the provider's answer about it) that does not let the request in."""


def json_base64(value: Any) -> str:
    """APISIX's ngx.encode_base64(core.json.encode(value)), as its X-Userinfo and X-ID-Token."""
    encoded = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return base64.b64encode(encoded.encode()).decode()
