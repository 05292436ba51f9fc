import socket

import pytest

from conformance.support.udp_echo import UdpEcho, udp_exchange


def test_echo_with_prefix():
    with UdpEcho("u1") as server:
        assert udp_exchange(server.host, server.port, b"ping") == b"u1:ping"
        assert udp_exchange(server.host, server.port, b"pong") == b"u1:pong"


def test_stopped_echo_answers_nothing():
    server = UdpEcho("u2").start()
    port = server.port
    server.stop()
    assert not server.running
    with pytest.raises(OSError):  # refused (ICMP) or no answer in time
        udp_exchange("127.0.0.1", port, b"ping", timeout=0.5)


def test_udp_exchange_needs_an_answer():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        with pytest.raises(TimeoutError):
            udp_exchange("127.0.0.1", silent.getsockname()[1], b"ping", timeout=0.3)
