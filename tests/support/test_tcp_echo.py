import socket

import pytest

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
