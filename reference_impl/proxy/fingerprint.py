"""A short, stable fingerprint of a configuration object."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def conf_fingerprint(conf: dict[str, Any]) -> str:
    """Equal for equal confs whatever their key order; changes when the conf changes."""
    encoded = json.dumps(conf, sort_keys=True, default=str).encode()
    return hashlib.blake2b(encoded, digest_size=16).hexdigest()
