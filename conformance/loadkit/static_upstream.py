"""A fast fixed-body HTTP/1.1 upstream for load runs, run as its own process.

`python -m conformance.loadkit.static_upstream [--port P] [--size BYTES]` prints the port it
listens on (127.0.0.1), then answers every request with `size` bytes, keeping connections
alive, until terminated. Request bodies (Content-Length) are read and discarded.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import cast


def _response(size: int) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {size}\r\n\r\n"
    return head.encode() + b"x" * size


class StaticProtocol(asyncio.Protocol):
    def __init__(self, response: bytes) -> None:
        self.response = response
        self.buffer = b""
        self.transport: asyncio.Transport

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > 65536:
                    self.transport.close()
                return
            head = self.buffer[:end].lower()
            length = 0
            marker = head.find(b"content-length:")
            if marker >= 0:
                line_end = head.find(b"\r\n", marker)
                value = head[marker + 15 : line_end if line_end > 0 else None].strip()
                if not value.isdigit():
                    self.transport.close()
                    return
                length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            self.transport.write(self.response)


async def serve(port: int, size: int) -> None:
    loop = asyncio.get_running_loop()
    response = _response(size)
    server = await loop.create_server(lambda: StaticProtocol(response), "127.0.0.1", port)
    print(server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--size", type=int, default=1024)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    try:
        asyncio.run(serve(args.port, args.size))
    except OSError as exc:
        print(f"static upstream: can't listen on port {args.port}: {exc.strerror}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
