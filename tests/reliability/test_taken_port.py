"""`gwconform serve` on a taken admin port: one line and exit code 2 at once, not a hang."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import yaml

from conformance.providers.embedded import free_port, gateway_config


def test_serve_on_a_taken_admin_port_exits_2_at_once(tmp_path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = gateway_config(port, free_port(), free_port(), free_port())
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        start = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "reference_impl", "serve", "--config", str(path)],
            capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        took = time.monotonic() - start
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [
        f"gwconform serve: error: can't listen on 127.0.0.1:{port}: Address already in use"
    ]
    assert took < 5.0
    print(f"taken port: exit 2 after {took:.2f}s with one line")


def test_the_admin_socket_says_it_is_tcp() -> None:
    """asyncio turns Nagle off (TCP_NODELAY) only on sockets whose protocol is TCP; with
    protocol 0 every keep-alive answer of the Admin API waited ~40 ms for a delayed ACK."""
    from reference_impl.server import bind_admin_port

    sock = bind_admin_port("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
