"""Helpers of the poison tests: the admin port in process over a memory store or a real etcd,
the store's keys as they are, and raw reads and writes of etcd that bypass every API."""

from __future__ import annotations

import contextlib
import itertools
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import etcd3gw

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what the project uses
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from reference_impl.admin_port import create_admin_port
from reference_impl.config import build_config
from reference_impl.store import Store

ADMIN_KEY = "poison-admin-key-5b1d0c"
VIEWER_KEY = "poison-viewer-key-77c2e1"
CLOUD_TOKEN = "poison-cloud-token-e83a"
AUDIT_LOGS = "/gwconform/iam/audit_logs/"  # every request to /api is audited, refused or not

_prefixes = itertools.count(1)


def new_prefix() -> str:
    """An APISIX key prefix of its own, for a test sharing an etcd with others."""
    return f"/poison{next(_prefixes)}"


@contextlib.contextmanager
def admin_port(store: Store, prefix: str = "/apisix") -> Iterator[TestClient]:
    """Everything the admin port serves (Admin API, API7 `/api` with IAM, Cloud `/api/v1`),
    in process over `store`, called from 127.0.0.1 with the admin key; a 500 is answered,
    not raised, as a client would see it."""
    raw: dict[str, Any] = {
        "deployment": {
            "admin": {
                "admin_key": [
                    {"name": "admin", "key": ADMIN_KEY, "role": "admin"},
                    {"name": "viewer", "key": VIEWER_KEY, "role": "viewer"},
                ],
                "allow_admin": ["127.0.0.0/8"],
            },
            "etcd": {"prefix": prefix},
        },
        "gwconform": {
            "iam": {"bcrypt_rounds": 4, "admin_password": "poison-iam-password-0d7e"},
            "cloud": {"tokens": [CLOUD_TOKEN]},
        },
    }
    app, _ = create_admin_port(build_config(raw), store, launch_data_planes=False)
    with TestClient(
        app,
        headers={"X-API-KEY": ADMIN_KEY},
        client=("127.0.0.1", 50000),
        raise_server_exceptions=False,
    ) as client:
        yield client


def cloud_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {CLOUD_TOKEN}"}


def stored_keys(store: Store) -> dict[str, int]:
    """Every key of the store with its mod_revision, but the audit log's."""
    kvs, _ = store.range("/")
    return {kv.key: kv.mod_revision for kv in kvs if not kv.key.startswith(AUDIT_LOGS)}


def etcd_client(url: str) -> etcd3gw.Etcd3Client:
    parts = urlsplit(url)
    return etcd3gw.client(host=parts.hostname or "127.0.0.1", port=parts.port or 2379, timeout=10)


def etcd_raw_put(url: str, key: str, text: str) -> None:
    """Write `text` as the value of `key` as any etcd client can, bypassing every API."""
    client = etcd_client(url)
    try:
        client.put(key, text)
    finally:
        client.session.close()


def etcd_raw_get(url: str, key: str) -> bytes | None:
    client = etcd_client(url)
    try:
        values = client.get(key)
    finally:
        client.session.close()
    return values[0] if values else None
