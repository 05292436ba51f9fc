"""The viewer key writes nothing: every write operation (POST, PUT, PATCH, DELETE) of the
APISIX Admin API and of API7's `/api` and `/apisix/admin` specs, sent with a viewer's
X-API-KEY, is refused with 401 or 403, and the store is unchanged. The operations come from
the specs the suite ships, so a write the specs gain is covered without touching this test."""

from __future__ import annotations

import re
from typing import Any

import yaml

from conformance.resources import shipped_path
from reference_impl.store import MemoryStore

from .poison import VIEWER_KEY, admin_port, stored_keys

SPECS = ("apisix-admin-v3.yaml", "api7ee-admin.yaml", "api7ee-apisix-compat.yaml")
WRITES = ("post", "put", "patch", "delete")
PARAM = re.compile(r"\{[^}]+\}")
# API7 operations sent with POST or PUT that write nothing (a lookup, a conversion, an
# export) or that sign a caller in or out, which anyone may: a viewer may call them; what
# this test holds them to is the unchanged store
QUERIES = {"checkCertCertificateExists", "checkCertCaCertificateExists", "convertOpenAPI",
           "exportServiceTemplates", "ldapLogin", "ldapLogout", "oidcLogout",
           "postPrometheusData"}  # fmt: skip


def _writes() -> list[tuple[str, str, dict[str, str], bool]]:
    """(method, path, required query parameters, whether it is one of QUERIES) of every
    operation of SPECS sent with a writing method."""
    out = []
    for name in SPECS:
        spec = yaml.safe_load(shipped_path("conformance", "data", "specs", name).read_text())
        base = spec["servers"][0]["url"]
        base = "" if base.startswith("http") else base
        for path, item in spec["paths"].items():
            shared = item.get("parameters", [])
            for method in WRITES:
                if method not in item:
                    continue
                params = [*shared, *item[method].get("parameters", [])]
                query = {
                    p["name"]: "default"
                    for p in params
                    if p.get("in") == "query" and p.get("required")
                }
                query_only = item[method].get("operationId") in QUERIES
                out.append((method.upper(), base + PARAM.sub("gwx1", path), query, query_only))
    return out


def test_the_viewer_key_is_refused_on_every_write() -> None:
    store = MemoryStore()
    writes = _writes()
    with admin_port(store) as client:
        before = stored_keys(store)
        answers: dict[tuple[str, str], Any] = {}
        for method, path, query, query_only in writes:
            reply = client.request(
                method, path, params=query, json={}, headers={"X-API-KEY": VIEWER_KEY}
            )
            if reply.status_code not in (401, 403) and not query_only:
                answers[(method, path)] = (reply.status_code, reply.text[:200])
        after = stored_keys(store)
    store.close()
    refusable = len(writes) - len(QUERIES)
    assert answers == {}, f"{len(answers)} of {refusable} writes not refused: {answers}"
    assert after == before
    assert refusable > 100, "the specs lost their write operations"
    assert sum(query_only for *_, query_only in writes) == len(QUERIES)
    print(
        f"viewer key: {refusable} of {refusable} writes refused, {len(QUERIES)} queries "
        "answered, the store unchanged"
    )
