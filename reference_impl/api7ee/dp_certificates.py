"""Client certificates gateway instances present to the control plane:
`POST /api/gateway_groups/{gateway_group_id}/dp_client_certificates` issues one for the
group, signed by the control plane's own CA, for `validity_period` days (default 3650)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any

from ..admin.ssl_crypto import Keyring
from ..pki import authority, client_certificate, name, pem_cert, pem_key
from .context import API, Api, Call
from .schemas import check

ORGANIZATION = "gwconform API7 Enterprise"
CA_KIND, CA_ID, CA_DAYS = "authorities", "dp_client_ca", 10950 + 365
DP_MANAGER_SNI = "api7ee3-dp-manager"  # the name the documented install scripts verify
DEFAULT_DAYS = 3650
REQUEST = {
    "type": "object",
    "properties": {"validity_period": {"type": "integer", "minimum": 1, "maximum": 10950}},
    "additionalProperties": False,
}


@dataclass(frozen=True)
class Issued:
    id: str
    certificate: str
    private_key: str
    ca_certificate: str
    expiry: int


def issue(api: Api, group_id: str, days: int) -> Issued:
    """A new client certificate for the instances of `group_id`."""
    keyring = Keyring.from_config(api.config.raw)
    subject = name(ORGANIZATION, "control plane CA")
    ca = authority(api.cp, keyring, CA_KIND, CA_ID, subject, CA_DAYS)
    cert, key = client_certificate(ca, name(ORGANIZATION, group_id), days)
    return Issued(
        id=str(uuid.uuid4()),
        certificate=pem_cert(cert),
        private_key=pem_key(key),
        ca_certificate=pem_cert(ca[0]),
        expiry=int(cert.not_valid_after_utc.timestamp()),
    )


def issue_certificate(api: Api, call: Call) -> tuple[int, Any]:
    group = api.group_or_404(call.params["gateway_group_id"])
    body = check(REQUEST, call.body if call.body is not None else {})
    return 200, {
        "value": asdict(issue(api, group["id"], body.get("validity_period", DEFAULT_DAYS)))
    }


ROUTES = [
    API(
        "POST",
        "/gateway_groups/{gateway_group_id}/dp_client_certificates",
        issue_certificate,
        "gateway:CreateGatewayInstance",
        "gateway_group_id",
    ),
]
