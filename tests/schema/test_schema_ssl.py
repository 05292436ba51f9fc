"""SSL objects: server/client type rules, snis, PEM parsing, certs/keys pairs, client CA."""

from __future__ import annotations

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from reference_impl.schema import SchemaError, check_resource


@pytest.fixture(scope="module")
def pem_pair() -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return cert_pem, key_pem


def reject(conf: object) -> str:
    with pytest.raises(SchemaError) as info:
        check_resource("ssls", conf)
    return str(info.value)


def test_server_cert_with_snis(pem_pair: tuple[str, str]) -> None:
    cert, key = pem_pair
    checked = check_resource("ssls", {"cert": cert, "key": key, "snis": ["test.com", "*.test.com"]})
    assert checked["type"] == "server"
    assert checked["status"] == 1


def test_server_cert_with_sni(pem_pair: tuple[str, str]) -> None:
    cert, key = pem_pair
    assert (
        check_resource("ssls", {"cert": cert, "key": key, "sni": "test.com"})["sni"] == "test.com"
    )


def test_server_cert_requires_sni(pem_pair: tuple[str, str]) -> None:
    cert, key = pem_pair
    assert reject({"cert": cert, "key": key}) == "invalid configuration: then clause did not match"


def test_client_cert_needs_no_sni(pem_pair: tuple[str, str]) -> None:
    cert, key = pem_pair
    checked = check_resource("ssls", {"type": "client", "cert": cert, "key": key})
    assert checked["type"] == "client"
    assert reject({"type": "client", "cert": cert}) == (
        "invalid configuration: else clause did not match"
    )


def test_short_cert_is_rejected(pem_pair: tuple[str, str]) -> None:
    assert reject({"cert": "short", "key": pem_pair[1], "sni": "a.com"}) == (
        'invalid configuration: property "cert" validation failed: '
        "value should match only one schema, but matches none"
    )


def test_unparsable_cert_and_key(pem_pair: tuple[str, str]) -> None:
    cert, key = pem_pair
    assert reject({"cert": "x" * 200, "key": key, "sni": "a.com"}).startswith(
        "failed to parse cert: "
    )
    assert reject({"cert": cert, "key": "y" * 200, "sni": "a.com"}).startswith(
        "failed to parse key: "
    )


def test_secret_references_are_not_parsed() -> None:
    conf = {"cert": "$secret://vault/1/cert", "key": "$env://SSL_KEY", "sni": "a.com"}
    assert check_resource("ssls", conf)["key"] == "$env://SSL_KEY"


def test_certs_and_keys_pairs(pem_pair: tuple[str, str]) -> None:
    cert, key = pem_pair
    base = {"cert": cert, "key": key, "sni": "a.com"}
    assert check_resource("ssls", {**base, "certs": [cert], "keys": [key]})["certs"] == [cert]
    assert reject({**base, "certs": [cert], "keys": []}) == "mismatched number of certs and keys"
    assert reject({**base, "certs": [cert], "keys": ["z" * 200]}).startswith(
        "failed to handle cert-key pair[1]: failed to parse key: "
    )


def test_client_ca(pem_pair: tuple[str, str]) -> None:
    cert, key = pem_pair
    base = {"cert": cert, "key": key, "sni": "a.com"}
    checked = check_resource("ssls", {**base, "client": {"ca": cert}})
    assert checked["client"] == {"ca": cert, "depth": 1}
    assert reject({**base, "client": {"ca": "c" * 200}}).startswith(
        "failed to validate client_cert: failed to parse cert: "
    )
    assert reject({**base, "client": {}}) == (
        'invalid configuration: property "client" validation failed: property "ca" is required'
    )


def test_ssl_protocols_and_snis(pem_pair: tuple[str, str]) -> None:
    cert, key = pem_pair
    base = {"cert": cert, "key": key, "sni": "a.com"}
    ok = check_resource("ssls", {**base, "ssl_protocols": ["TLSv1.2", "TLSv1.3"]})
    assert ok["ssl_protocols"] == ["TLSv1.2", "TLSv1.3"]
    assert reject({**base, "ssl_protocols": ["SSLv3"]}) == (
        'invalid configuration: property "ssl_protocols" validation failed: '
        "failed to validate item 1: matches none of the enum values"
    )
    assert reject({"cert": cert, "key": key, "snis": []}).startswith(
        'invalid configuration: property "snis" validation failed: '
        "expect array to have at least 1 items"
    )
    assert reject({**base, "type": "both"}).startswith(
        'invalid configuration: property "type" validation failed'
    )


def test_upstream_tls_client_cert_is_parsed(pem_pair: tuple[str, str]) -> None:
    cert, key = pem_pair
    nodes = {"127.0.0.1:443": 1}
    ok = check_resource(
        "upstreams", {"nodes": nodes, "tls": {"client_cert": cert, "client_key": key}}
    )
    assert ok["tls"]["verify"] is False
    with pytest.raises(SchemaError, match=r"^failed to parse cert: "):
        check_resource(
            "upstreams", {"nodes": nodes, "tls": {"client_cert": "q" * 200, "client_key": key}}
        )
