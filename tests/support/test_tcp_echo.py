import socket
import ssl

import pytest

from conformance.support.certs import make_certificate
from conformance.support.tcp_echo import TcpEcho, tcp_exchange


def test_echo_with_prefix():
    with TcpEcho("t1") as server:
        got = tcp_exchange(server.host, server.port, b"ping", expect=len(b"t1:ping"))
        assert got == b"t1:ping"
        assert server.connections == 1


def test_stop_refuses_connections():
    server = TcpEcho("t2").start()
    port = server.port
    server.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_tls_echo_records_the_sni():
    cert = make_certificate("echo.test")
    with TcpEcho("t3", certificate=cert) as server:
        ctx = ssl.create_default_context(cadata=cert.cert_pem)
        raw = socket.create_connection((server.host, server.port), timeout=3)
        with raw, ctx.wrap_socket(raw, server_hostname="echo.test") as conn:
            conn.sendall(b"ping")
            assert conn.recv(100) == b"t3:ping"
        assert server.server_names == ["echo.test"]
