"""The SMTP server the control plane sends email through (alert notifications):
`GET`/`PUT /api/smtp_server` and `GET /api/smtp_server/status` (paths inferred; the 3.9.9
page documents the fields). The password is write-only: answers never show it."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

from ..api.errors import ApiError
from .context import API, Api, Call
from .schemas import check

SETTINGS = "settings"
SMTP = "smtp_server"
HOST_PORT = r"^[^\s:]+:[0-9]{1,5}$"
SMTP_SETTINGS = {
    "type": "object",
    "required": [
        "enable",
        "address",
        "ssl_verify",
        "username",
        "password",
        "from_name",
        "from_address",
    ],
    "properties": {
        "enable": {"type": "boolean"},
        "address": {"type": "string", "pattern": HOST_PORT, "maxLength": 262},
        "authentication_type": {"type": "string", "enum": ["TLS", "STARTTLS"]},
        "ssl_verify": {"type": "boolean"},
        "username": {"type": "string", "maxLength": 256},
        "password": {"type": "string", "maxLength": 1024},
        "from_name": {
            "type": "string",
            "maxLength": 256,
            "pattern": r'^\s*("(?:[^"\\]|\\.)*"|([^<>@]+))?\s*$',
        },
        "from_address": {"type": "string", "pattern": r"^[^@\s]+@[^@\s]+$", "maxLength": 255},
    },
    "additionalProperties": False,
}
SEND_TIMEOUT = 10.0


def current(api: Api) -> dict[str, Any] | None:
    return api.cp.get(SETTINGS, SMTP)


def shown(settings: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in settings.items() if k != "password"}


def get_settings(api: Api, call: Call) -> tuple[int, Any]:
    settings = current(api)
    return 200, {"value": shown(settings) if settings else {"enable": False}}


def put_settings(api: Api, call: Call) -> tuple[int, Any]:
    body = check(SMTP_SETTINGS, call.obj())
    port = int(body["address"].rpartition(":")[2])
    if not 0 < port < 65536:
        raise ApiError(400, f"invalid address {body['address']}: port out of range")
    settings = {**body, "updated_at": api.cp.clock()}
    api.cp.put(SETTINGS, settings, SMTP)
    return 200, {"value": shown(settings)}


def status(api: Api, call: Call) -> tuple[int, Any]:
    settings = current(api)
    return 200, {
        "value": {
            "configured": settings is not None,
            "enable": bool(settings and settings["enable"]),
        }
    }


def send_mail(settings: dict[str, Any], to: list[str], subject: str, text: str) -> None:
    """Deliver one message through the configured server (raises OSError/SMTPException)."""
    if not settings.get("enable"):
        raise smtplib.SMTPException("the SMTP server settings are disabled")
    host, _, port = settings["address"].rpartition(":")
    message = EmailMessage()
    message["From"] = formataddr((settings["from_name"], settings["from_address"]))
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(text)
    context = ssl.create_default_context()
    if not settings["ssl_verify"]:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    kind = settings.get("authentication_type")
    client: smtplib.SMTP
    if kind == "TLS":
        client = smtplib.SMTP_SSL(host, int(port), timeout=SEND_TIMEOUT, context=context)
    else:
        client = smtplib.SMTP(host, int(port), timeout=SEND_TIMEOUT)
    with client:
        if kind == "STARTTLS":
            client.starttls(context=context)
        if settings["username"]:
            client.login(settings["username"], settings["password"])
        client.send_message(message)


ROUTES = [
    API("GET", "/smtp_server", get_settings, "iam:GetSMTPServer"),
    API("PUT", "/smtp_server", put_settings, "iam:UpdateSMTPServer"),
    API("GET", "/smtp_server/status", status, None),
]
