"""SSL objects: certificate/key checks, SNIs against the certificate, encrypted keys."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .certs import cert_and_key
from .conftest import UPSTREAM, put_ok

APISIX_DEFAULT_KEYRING = b"qeddd145sfvddff3"


def _decrypt(stored: str, key: bytes = APISIX_DEFAULT_KEYRING) -> str:
    """An independent AES-128-CBC decryption (key and IV = the keyring entry)."""
    dec = Cipher(algorithms.AES(key), modes.CBC(key)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    data = dec.update(base64.b64decode(stored)) + dec.finalize()
    return (unpadder.update(data) + unpadder.finalize()).decode()


def test_ssl_key_is_stored_encrypted_and_never_returned_by_get(api, store):
    cert, key = cert_and_key("test.com")
    created = api.put("/ssls/1", json={"cert": cert, "key": key, "snis": ["test.com"]})
    assert created.status_code == 201, created.text
    stored = store.get("/apisix/ssls/1").value
    assert "PRIVATE KEY" not in stored["key"]
    assert _decrypt(stored["key"]) == key
    assert created.json()["value"]["key"] == stored["key"]
    got = api.get("/ssls/1").json()["value"]
    assert "key" not in got and got["cert"] == cert and got["snis"] == ["test.com"]
    assert all("key" not in item["value"] for item in api.get("/ssls").json()["list"])


def test_ssl_patch_keeps_the_key_encrypted_once(api, store):
    cert, key = cert_and_key("test.com")
    put_ok(api, "/ssls/1", {"cert": cert, "key": key, "snis": ["test.com"]})
    patched = api.patch("/ssls/1", json={"labels": {"a": "b"}})
    assert patched.status_code == 200, patched.text
    assert _decrypt(store.get("/apisix/ssls/1").value["key"]) == key
    other_cert, other_key = cert_and_key("www.test.com")
    sub = api.patch(
        "/ssls/1", json={"cert": other_cert, "key": other_key, "snis": ["www.test.com"]}
    )
    assert sub.status_code == 200, sub.text
    assert _decrypt(store.get("/apisix/ssls/1").value["key"]) == other_key


def test_custom_keyring_is_used(client_factory, store):
    api = client_factory({"apisix": {"data_encryption": {"keyring": ["0123456789abcdef"]}}})
    cert, key = cert_and_key("test.com")
    put_ok(api, "/ssls/1", {"cert": cert, "key": key, "snis": ["test.com"]})
    assert _decrypt(store.get("/apisix/ssls/1").value["key"], b"0123456789abcdef") == key


def test_sni_must_be_covered_by_the_certificate(api):
    cert, key = cert_and_key("*.test.com", "test.com")
    ok = api.put(
        "/ssls/1", json={"cert": cert, "key": key, "snis": ["test.com", "a.test.com", "*.test.com"]}
    )
    assert ok.status_code == 201, ok.text
    for sni in ("other.com", "a.b.test.com"):
        resp = api.put("/ssls/2", json={"cert": cert, "key": key, "snis": [sni]})
        assert resp.status_code == 400
        assert resp.json() == {
            "error_msg": f"sni [{sni}] does not match any name of the certificate"
        }


def test_bad_certificates_are_400(api):
    cert, key = cert_and_key("test.com")
    _, other_key = cert_and_key("other.com")
    mismatch = api.put("/ssls/1", json={"cert": cert, "key": other_key, "snis": ["test.com"]})
    assert mismatch.json() == {"error_msg": "the private key does not match the certificate"}
    garbage = "-----BEGIN CERTIFICATE-----\n" + "A" * 200 + "\n-----END CERTIFICATE-----"
    bad_cert = api.put("/ssls/1", json={"cert": garbage, "key": key, "snis": ["test.com"]})
    assert bad_cert.status_code == 400
    assert bad_cert.json()["error_msg"].startswith("failed to parse cert")
    extra = api.put(
        "/ssls/1",
        json={"cert": cert, "key": key, "snis": ["test.com"], "certs": [cert], "keys": [other_key]},
    )
    assert extra.json() == {
        "error_msg": "failed to handle cert-key pair[1]: the private key does not match the certificate"
    }
    assert api.get("/ssls/1").status_code == 404


def test_upstream_client_key_is_encrypted(api, store):
    cert, key = cert_and_key("client.test")
    body = {**UPSTREAM, "scheme": "https", "tls": {"client_cert": cert, "client_key": key}}
    put_ok(api, "/upstreams/1", body)
    stored = store.get("/apisix/upstreams/1").value["tls"]["client_key"]
    assert _decrypt(stored) == key
    assert api.patch("/upstreams/1", json={"name": "x"}).status_code == 200
    assert _decrypt(store.get("/apisix/upstreams/1").value["tls"]["client_key"]) == key
