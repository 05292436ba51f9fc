"""Alerts: policies, their triggers and history, webhook templates (paths of the 3.2.14
spec, Core), and what an alert does (Extended, inferred paths): a policy whose condition
holds fires once to its webhook template, a webhook contact point (a real HTTP receiver)
and an email contact point (a real SMTP server, through the SMTP settings), and leaves
an alert history entry and notification logs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from conformance.registry import conformance_test
from conformance.support.certs import make_certificate
from conformance.support.eventually import converge
from conformance.support.ids import unique_id
from conformance.support.notification_receivers import SmtpInbox, WebhookReceiver

from .ee_client import Api7, body_of, items

EXPIRES_SOON = {
    "event": "gateway_certificate_will_expire_in",
    "operator": "less_than",
    "value": 30,
    "value_unit": "day",
}
OFFLINE = {
    "event": "gateway_instance_offline",
    "operator": "larger_equal",
    "value": 5,
    "value_unit": "minute",
}


class Made:
    """Objects a test created under `/api`, deleted newest first."""

    def __init__(self, ee: Api7) -> None:
        self.ee = ee
        self.paths: list[str] = []

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        made = body_of(self.ee.client.post(path, json=body))["value"]
        self.paths.append(f"{path}/{made['id']}")
        return made

    def cleanup(self) -> None:
        for path in reversed(self.paths):
            self.ee.client.delete(path)


@contextmanager
def made(ee: Api7) -> Iterator[Made]:
    objects = Made(ee)
    try:
        yield objects
    finally:
        objects.cleanup()


@conformance_test(
    name="ee-alert-policies-crud",
    description="alert policies are created, listed with the severity filter, patched, given "
    "new triggers and deleted; webhook templates are listed and show the policies using them",
    profile="api7ee",
    features=["ee-alerts"],
)
def test_alert_policies_crud(ee):
    with made(ee) as objects:
        template = objects.create(
            "/alert/webhook_templates",
            {
                "name": unique_id("wh")[:20],
                "url": "http://127.0.0.1:9/alerts",
                "template": '{"text": "alert"}',
                "skip_tls_verify": False,
            },
        )
        policy = objects.create(
            "/alert/policies",
            {
                "name": unique_id("alert"),
                "severity": "high",
                "enable": False,
                "trigger_logical_operator": "All",
                "trigger_conditions": [EXPIRES_SOON],
                "webhook_templates": [template["id"]],
            },
        )
        assert policy["severity"] == "high" and policy["trigger_conditions"] == [EXPIRES_SOON]
        got = body_of(ee.client.get(f"/alert/policies/{policy['id']}"))["value"]
        assert got["name"] == policy["name"] and got["enable"] is False
        high = items(body_of(ee.client.get("/alert/policies", params={"severity": "high"})))
        assert policy["id"] in {p["id"] for p in high} and all(
            p["severity"] == "high" for p in high
        )
        low = items(body_of(ee.client.get("/alert/policies", params={"severity": "low"})))
        assert policy["id"] not in {p["id"] for p in low}
        patch = [{"op": "replace", "path": "/severity", "value": "low"}]
        patched = body_of(ee.client.patch(f"/alert/policies/{policy['id']}", json=patch))["value"]
        assert patched["severity"] == "low" and patched["name"] == policy["name"]
        triggers = {"trigger_logical_operator": "Any", "trigger_conditions": [OFFLINE]}
        body_of(ee.client.put(f"/alert/policies/{policy['id']}/triggers", json=triggers))
        got = body_of(ee.client.get(f"/alert/policies/{policy['id']}"))["value"]
        assert got["trigger_conditions"] == [OFFLINE] and got["trigger_logical_operator"] == "Any"
        referrers = items(
            body_of(ee.client.get(f"/alert/webhook_templates/{template['id']}/refer"))
        )
        assert [r["id"] for r in referrers] == [policy["id"]]
        bad = ee.client.post("/alert/policies", json={"name": "x", "trigger_conditions": []})
        assert bad.status_code == 400 and bad.json().get("error_msg")
        history = body_of(
            ee.client.get("/alert/policies/histories", params={"alert_policy_id": policy["id"]})
        )
        assert history["total"] == 0 and history["list"] == []
        assert ee.client.delete(f"/alert/policies/{policy['id']}").status_code == 200
        assert ee.client.get(f"/alert/policies/{policy['id']}").status_code == 404
        objects.paths.remove(f"/alert/policies/{policy['id']}")


@conformance_test(
    name="ee-alert-fires-to-webhook-and-email",
    description="a policy whose certificate-expiry condition holds on its gateway group fires "
    "once: a webhook receiver, a webhook template and an SMTP inbox receive the alert, the "
    "history and the contact points' notification logs record it",
    profile="api7ee",
    features=["ee-alert-notifications"],
)
def test_alert_fires_to_webhook_and_email(ee):
    group_id = ee.group()["id"]
    cert = make_certificate(f"{unique_id('exp')}.gwconform.test", days=5)
    body = {"name": unique_id("cert"), "cert": cert.cert_pem, "key": cert.key_pem}
    body_of(ee.apisix("POST", "/certificates", group_id, json=body))
    with WebhookReceiver() as receiver, SmtpInbox() as inbox, made(ee) as objects, smtp(ee, inbox):
        hook = objects.create(
            "/contact_points",
            {
                "name": unique_id("hook"),
                "type": "webhook",
                "webhook_config": {"url": f"{receiver.url}/cp"},
            },
        )
        mail = objects.create(
            "/contact_points",
            {
                "name": unique_id("mail"),
                "type": "email",
                "email_config": {"addresses": ["ops@gwconform.test"]},
            },
        )
        template = objects.create(
            "/alert/webhook_templates",
            {
                "name": unique_id("wh")[:20],
                "url": f"{receiver.url}/template",
                "template": '{"policy": "${alert_policy_name}"}',
                "skip_tls_verify": False,
            },
        )
        policy = objects.create(
            "/alert/policies",
            {
                "name": unique_id("expiry"),
                "severity": "high",
                "check_interval": 1,
                "scope": [group_id],
                "trigger_conditions": [EXPIRES_SOON],
                "notifications": [
                    {"contact_point_id": hook["id"]},
                    {"contact_point_id": mail["id"]},
                ],
                "webhook_templates": [template["id"]],
            },
        )

        def delivered() -> None:
            paths = sorted(d.path for d in receiver.deliveries)
            assert paths == ["/cp", "/template"], f"webhook deliveries so far: {paths}"
            assert len(inbox.messages) == 1, f"{len(inbox.messages)} emails so far"

        converge(delivered, ee.timeouts, within=ee.timeouts.alert_delivery, interval=0.2)
        by_path = {d.path: d for d in receiver.deliveries}
        alert = json.loads(by_path["/cp"].body)
        assert alert["alert_policy_id"] == policy["id"] and alert["gateway_group_id"] == group_id
        assert json.loads(by_path["/template"].body) == {"policy": policy["name"]}
        message = inbox.messages[0]
        assert message["To"] == "ops@gwconform.test" and policy["name"] in message["Subject"]
        history = items(
            body_of(
                ee.client.get("/alert/policies/histories", params={"alert_policy_id": policy["id"]})
            )
        )
        assert len(history) == 1 and history[0]["gateway_group_id"] == group_id
        assert history[0]["severity"] == "high"
        for point in (hook, mail):
            logs = items(body_of(ee.client.get(f"/contact_points/{point['id']}/notification_logs")))
            assert [entry["status"] for entry in logs] == ["success"], logs
        usages = items(body_of(ee.client.get(f"/contact_points/{hook['id']}/usages")))
        assert [u["id"] for u in usages] == [policy["id"]]


@contextmanager
def smtp(ee: Api7, inbox: SmtpInbox) -> Iterator[None]:
    """The control plane's SMTP settings pointing at `inbox`, disabled afterwards."""
    settings = {
        "enable": True,
        "address": inbox.address,
        "ssl_verify": False,
        "username": "",
        "password": "",
        "from_name": "gwconform alerts",
        "from_address": "alerts@gwconform.test",
    }
    shown = body_of(ee.client.put("/smtp_server", json=settings))["value"]
    assert "password" not in shown and shown["address"] == inbox.address
    try:
        yield
    finally:
        ee.client.put("/smtp_server", json={**settings, "enable": False})


@conformance_test(
    name="ee-contact-points-crud",
    description="contact points of type email and webhook are created, filtered by type, "
    "replaced and deleted; a contact point without the configuration of its type is refused",
    profile="api7ee",
    features=["ee-alert-notifications"],
)
def test_contact_points_crud(ee):
    with made(ee) as objects:
        mail = objects.create(
            "/contact_points",
            {
                "name": unique_id("mail"),
                "type": "email",
                "email_config": {"addresses": ["a@gwconform.test"]},
            },
        )
        emails = items(body_of(ee.client.get("/contact_points", params={"type": "email"})))
        assert mail["id"] in {p["id"] for p in emails} and all(p["type"] == "email" for p in emails)
        hooks = items(body_of(ee.client.get("/contact_points", params={"type": "webhook"})))
        assert mail["id"] not in {p["id"] for p in hooks}
        replaced = {
            "name": mail["name"],
            "type": "email",
            "email_config": {"addresses": ["b@gwconform.test"]},
        }
        got = body_of(ee.client.put(f"/contact_points/{mail['id']}", json=replaced))["value"]
        assert got["email_config"]["addresses"] == ["b@gwconform.test"]
        bad = ee.client.post("/contact_points", json={"name": "x", "type": "webhook"})
        assert bad.status_code == 400 and bad.json().get("error_msg")
        assert ee.client.delete(f"/contact_points/{mail['id']}").status_code == 200
        assert ee.client.get(f"/contact_points/{mail['id']}").status_code == 404
        objects.paths.clear()
