"""SSL objects: certificate and key are parsed, SNIs stored, and the key never read back.

Sources: Admin API 3.5 "SSL" (cert, key required; snis required for server certificates;
certs/keys pairs), apisix/ssl.lua ("failed to parse cert: ...", "failed to parse key: ...",
"mismatched number of certs and keys") and apisix/admin/resource.lua (GET strips `key` and
`keys`: "not return private key for security"). APISIX does not check that the key belongs to
the certificate (apisix/ssl.lua leaves it as a TODO), so neither does this suite.
"""

from __future__ import annotations

import pytest

from conformance.registry import conformance_test
from conformance.support.admin_api import expect, expect_error, list_values
from conformance.support.certs import make_certificate
from conformance.support.ids import unique_id


@pytest.fixture(scope="module")
def cert():
    return make_certificate("test.com", "*.test.com")


def _no_plain_key(value: dict, key_pem: str) -> None:
    for field in ("key", "keys"):
        stored = value.get(field)
        texts = stored if isinstance(stored, list) else [stored]
        for text in texts:
            assert not (isinstance(text, str) and "PRIVATE KEY" in text), f"plain {field} returned"
            assert text != key_pem


@conformance_test(
    name="ssl-create-and-read",
    description="an SSL with a valid cert, key and snis is stored; GET never returns the key",
    profile="apisix-v3",
    features=["admin-crud"],
)
def test_ssl_create_and_read(admin, cert):
    sid = unique_id("ssl")
    body = {"cert": cert.cert_pem, "key": cert.key_pem, "snis": ["test.com", "*.test.com"]}
    created = expect(admin.put(f"/ssls/{sid}", json=body), 201)
    _no_plain_key(created["value"], cert.key_pem)
    fetched = expect(admin.get(f"/ssls/{sid}"), 200)["value"]
    assert fetched["snis"] == ["test.com", "*.test.com"]
    assert fetched["cert"].strip() == cert.cert_pem.strip()
    _no_plain_key(fetched, cert.key_pem)
    listed = [v for v in list_values(expect(admin.get("/ssls"), 200)) if v["id"] == sid]
    assert len(listed) == 1
    _no_plain_key(listed[0], cert.key_pem)


@conformance_test(
    name="ssl-post-and-patch",
    description="SSLs can be created by POST and their snis patched",
    profile="apisix-v3",
    features=["admin-crud", "admin-patch"],
)
def test_ssl_post_patch(admin, cert):
    body = {"cert": cert.cert_pem, "key": cert.key_pem, "snis": ["test.com"]}
    sid = expect(admin.post("/ssls", json=body), 200, 201)["value"]["id"]
    patched = expect(admin.patch(f"/ssls/{sid}", json={"snis": ["a.test.com"]}), 200)["value"]
    assert patched["snis"] == ["a.test.com"]
    _no_plain_key(patched, cert.key_pem)


@conformance_test(
    name="ssl-validation",
    description="unparsable certs or keys and unpaired certs/keys are refused with 400",
    profile="apisix-v3",
    features=["admin-validation"],
)
def test_ssl_validation(admin, cert):
    other = make_certificate("other.com")
    # long enough for the schema (cert >= 128 characters), but PEM that does not parse
    bad_cert = "-----BEGIN CERTIFICATE-----\n" + "A" * 200 + "\n-----END CERTIFICATE-----\n"
    bad_key = "-----BEGIN PRIVATE KEY-----\n" + "A" * 200 + "\n-----END PRIVATE KEY-----\n"
    cases = [
        ({"cert": bad_cert, "key": cert.key_pem, "snis": ["test.com"]}, "failed to parse cert"),
        ({"cert": cert.cert_pem, "key": bad_key, "snis": ["test.com"]}, "failed to parse key"),
        ({"cert": "too short", "key": cert.key_pem, "snis": ["test.com"]}, "cert"),
        (
            {
                "cert": cert.cert_pem,
                "key": cert.key_pem,
                "snis": ["test.com"],
                "certs": [other.cert_pem],
                "keys": [],
            },
            "mismatched number of certs and keys",
        ),
        # APISIX's schema reports a missing cert as "then clause did not match": no field name
        ({"key": cert.key_pem, "snis": ["test.com"]}, ""),
    ]
    for body, fragment in cases:
        sid = unique_id("ssl")
        expect_error(admin.put(f"/ssls/{sid}", json=body), 400, fragment)
        expect(admin.get(f"/ssls/{sid}"), 404)


@conformance_test(
    name="ssl-multiple-certs",
    description="extra certs/keys pairs are accepted and their keys not returned either",
    profile="apisix-v3",
    features=["admin-crud"],
)
def test_ssl_multiple_certs(admin, cert):
    other = make_certificate("test.com")
    sid = unique_id("ssl")
    body = {
        "cert": cert.cert_pem,
        "key": cert.key_pem,
        "certs": [other.cert_pem],
        "keys": [other.key_pem],
        "snis": ["test.com"],
    }
    expect(admin.put(f"/ssls/{sid}", json=body), 201)
    fetched = expect(admin.get(f"/ssls/{sid}"), 200)["value"]
    assert len(fetched["certs"]) == 1
    _no_plain_key(fetched, cert.key_pem)
    _no_plain_key(fetched, other.key_pem)
