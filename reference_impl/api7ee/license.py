"""The API7 Enterprise license: `GET`/`PUT /api/license` (`?dry-run=all` checks only).

API7 signs its licenses; the reference cannot check that signature, so it reads the
`data` of its own encoding: base64 of a JSON object with the documented fields `customer`,
`effective_at`, `expired_at` (Unix seconds) and `max_dp_cores`. Data that does not decode
is refused with a 400, and so is a license that has already expired. Without a license
the answer is an empty `value`; the system infos say `missing`, `valid`, `not_yet_effective` or `expired`."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from ..api.errors import ApiError
from .context import API, Api, Call
from .schemas import check

SETTINGS = "settings"
LICENSE = "license"
FIELDS = {
    "type": "object",
    "required": ["customer", "effective_at", "expired_at", "max_dp_cores"],
    "properties": {
        "customer": {"type": "string", "minLength": 1, "maxLength": 256},
        "effective_at": {"type": "integer", "minimum": 0},
        "expired_at": {"type": "integer", "minimum": 0},
        "max_dp_cores": {"type": "integer", "minimum": 1},
    },
    "additionalProperties": False,
}
UPLOAD = {
    "type": "object",
    "required": ["data"],
    "properties": {"data": {"type": "string", "minLength": 1, "maxLength": 65536}},
    "additionalProperties": False,
}


def current(api: Api) -> dict[str, Any] | None:
    return api.cp.get(SETTINGS, LICENSE)


def state(api: Api) -> str:
    found = current(api)
    return "missing" if found is None else _status(found, api.cp.clock())


def _status(fields: dict[str, Any], now: int) -> str:
    if fields["expired_at"] <= now:
        return "expired"
    return "valid" if fields["effective_at"] <= now else "not_yet_effective"


def get_license(api: Api, call: Call) -> tuple[int, Any]:
    found = current(api)
    if found is None:
        return 200, {"value": {}}
    return 200, {"value": {**found, "status": _status(found, api.cp.clock())}}


def put_license(api: Api, call: Call) -> tuple[int, Any]:
    dry_run = call.dry_run
    data = check(UPLOAD, call.obj())["data"].strip()
    try:
        decoded = json.loads(base64.b64decode(data + "=" * (-len(data) % 4), validate=True))
    except (binascii.Error, ValueError):
        raise ApiError(400, "invalid license data: not a license this gateway can read") from None
    try:
        fields = check(FIELDS, decoded)
    except ApiError as exc:
        raise ApiError(400, f"invalid license data: {exc.message}") from None
    if fields["expired_at"] <= fields["effective_at"]:
        raise ApiError(400, "invalid license data: it expires before it takes effect")
    if fields["expired_at"] <= api.cp.clock():
        raise ApiError(400, f"invalid license: it expired at {fields['expired_at']}")
    if not dry_run:
        api.cp.put(SETTINGS, fields, LICENSE)
    return 200, {"value": {**fields, "status": _status(fields, api.cp.clock())}}


ROUTES = [
    API("GET", "/license", get_license, None),
    API("PUT", "/license", put_license, "iam:UpdateLicense"),
]
