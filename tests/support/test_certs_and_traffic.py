import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from conformance.support.certs import make_certificate
from conformance.support.echo_upstream import EchoUpstream
from conformance.support.ids import unique_id, unique_username
from conformance.support.traffic import Case, count_backends, expect_cases, served_by
from conformance.timeouts import TimeoutConfig


def test_certificate_matches_key_and_hosts():
    generated = make_certificate("a.example.com", "*.b.example.com")
    cert = x509.load_pem_x509_certificate(generated.cert_pem.encode())
    key = serialization.load_pem_private_key(generated.key_pem.encode(), password=None)
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["a.example.com", "*.b.example.com"]


def test_certificate_needs_a_host():
    with pytest.raises(ValueError):
        make_certificate()


def test_unique_ids_are_valid_and_distinct():
    ids = {unique_id("route") for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) <= 64 and i.replace("-", "").isalnum() for i in ids)
    assert unique_username("u").replace("_", "").isalnum()


def test_cases_against_echo_directly():
    with EchoUpstream("direct") as echo, httpx.Client(base_url=echo.url) as client:
        expect_cases(
            client,
            [Case("/x", backend="direct"), Case("/status/404", status=404)],
            TimeoutConfig(apply=1),
        )
        assert count_backends(client, "/", 5) == {"direct": 5}
        assert served_by(client.get("/")) == "direct"


def test_failed_cases_are_reported_together():
    with (
        EchoUpstream("direct") as echo,
        httpx.Client(base_url=echo.url) as client,
        pytest.raises(AssertionError) as info,
    ):
        expect_cases(
            client,
            [Case("/a", backend="other"), Case("/status/500", status=200)],
            TimeoutConfig(apply=0.2),
        )
    message = str(info.value)
    assert "GET /a -> backend other" in message
    assert "GET /status/500 -> status 200" in message
