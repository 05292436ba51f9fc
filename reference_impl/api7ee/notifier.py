"""Delivering one alert: an email to an email contact point's addresses through the SMTP
settings, a JSON POST to a webhook contact point or webhook template; each delivery to a
contact point leaves a notification log (`success` or `failed` with the reason).

A webhook's `template`, when set, is the body with `${field}` placeholders filled from the
alert (`alert_policy_id`, `alert_policy_name`, `severity`, `gateway_group_id`, `alert_time`,
`detail`); without one the body is the alert as JSON."""

from __future__ import annotations

import json
import logging
import smtplib
from string import Template
from typing import Any

import httpx

from .contact_points import CONTACT_POINTS, NOTIFICATION_LOGS, WEBHOOK_TEMPLATES
from .context import Api
from .smtp_settings import current, send_mail

WEBHOOK_TIMEOUT = 10.0
log = logging.getLogger(__name__)


def notify(api: Api, policy: dict[str, Any], alert: dict[str, Any]) -> None:
    for note in policy.get("notifications") or []:
        point = api.cp.get(CONTACT_POINTS, note["contact_point_id"])
        if point is None:  # deleted since: nothing to deliver to, nowhere to log it
            continue
        error = _deliver(api, point, alert)
        entry = {
            "id": api.cp.new_id(),
            "contact_point_id": point["id"],
            "resource_type": "alert_policy",
            "resource_id": policy["id"],
            "resource_name": policy["name"],
            "alert_history_id": alert["id"],
            "status": "failed" if error else "success",
            "send_time": api.cp.clock(),
            **({"error_msg": error} if error else {}),
        }
        api.cp.put(NOTIFICATION_LOGS, entry, point["id"], entry["id"])
    for template_id in policy.get("webhook_templates") or []:
        template = api.cp.get(WEBHOOK_TEMPLATES, template_id)
        if template is not None:
            error = _post(template, alert)
            if error:
                log.warning("alert %s: webhook template %s: %s", alert["id"], template_id, error)


def _deliver(api: Api, point: dict[str, Any], alert: dict[str, Any]) -> str | None:
    """None once delivered, else why not."""
    if point["type"] == "webhook":
        return _post(point["webhook_config"], alert)
    settings = current(api)
    if settings is None:
        return "no SMTP server is configured"
    subject = f"[{alert['severity']}] API7 alert: {alert['alert_policy_name']}"
    try:
        send_mail(settings, point["email_config"]["addresses"], subject, _text(alert))
    except (OSError, smtplib.SMTPException) as exc:
        return f"email not sent: {exc}"
    return None


def _post(webhook: dict[str, Any], alert: dict[str, Any]) -> str | None:
    headers = {h["name"]: h["value"] for h in webhook.get("headers") or []}
    template = webhook.get("template")
    if template:
        content = Template(template).safe_substitute({k: str(v) for k, v in alert.items()})
    else:
        content = json.dumps(alert)
    headers.setdefault("Content-Type", "application/json")
    try:
        with httpx.Client(verify=not webhook.get("skip_tls_verify"), timeout=WEBHOOK_TIMEOUT) as c:
            answer = c.post(webhook["url"], content=content.encode(), headers=headers)
    except httpx.HTTPError as exc:
        return f"webhook not delivered: {exc}"
    if answer.status_code >= 300:
        return f"webhook answered {answer.status_code}"
    return None


def _text(alert: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"Alert policy: {alert['alert_policy_name']} ({alert['alert_policy_id']})",
            f"Severity: {alert['severity']}",
            f"Gateway group: {alert['gateway_group_id']}",
            f"Alert time: {alert['alert_time']}",
            f"Detail: {alert['detail']}",
        ]
    )
