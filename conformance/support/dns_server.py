"""A real DNS server (dnslib's, over UDP) on loopback, answering from records a test sets and
changes while it runs: the server a gateway's DNS service discovery asks.

    dns = DnsServer(port=5353).start()
    try:
        dns.set_a("svc.test", ["127.0.0.1"], ttl=1)
        dns.set_srv("_http.svc.test", [(10, 60, 8080, "a.svc.test")], ttl=1)
    finally:
        dns.stop()

A name without records is answered NXDOMAIN.
"""

from __future__ import annotations

import threading
from typing import Any

from dnslib import AAAA, QTYPE, RCODE, RR, SRV, A, DNSRecord
from dnslib.server import DNSServer as _Server

SrvEntry = tuple[int, int, int, str]  # priority, weight, port, target


class _Records:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_name: dict[tuple[str, str], tuple[list[Any], int]] = {}
        self.queries = 0

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        qtype = QTYPE[request.q.qtype]
        with self.lock:
            self.queries += 1
            found = self.by_name.get((name, qtype))
            known = any(key[0] == name for key in self.by_name)
        if found is None:
            if not known:
                reply.header.rcode = RCODE.NXDOMAIN
            return reply
        rdatas, ttl = found
        for rdata in rdatas:
            reply.add_answer(RR(request.q.qname, getattr(QTYPE, qtype), rdata=rdata, ttl=ttl))
        return reply


class DnsServer:
    """UDP on 127.0.0.1:`port` (0: a free port, read `port` after `start`)."""

    def __init__(self, port: int = 0) -> None:
        self.host = "127.0.0.1"
        self.port = port
        self._records = _Records()
        self._server: _Server | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def queries(self) -> int:
        """How many queries were answered so far."""
        with self._records.lock:
            return self._records.queries

    def start(self) -> DnsServer:
        server = _Server(self._records, address=self.host, port=self.port, logger=_Quiet())
        self.port = server.server.server_address[1]
        server.start_thread()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.server.shutdown()
            self._server.server.server_close()
            self._server = None

    def _set(self, name: str, qtype: str, rdatas: list[Any], ttl: int) -> None:
        with self._records.lock:
            key = (name.rstrip(".").lower(), qtype)
            if rdatas:
                self._records.by_name[key] = (rdatas, ttl)
            else:
                self._records.by_name.pop(key, None)

    def set_a(self, name: str, addresses: list[str], ttl: int = 1) -> None:
        """The A records of `name` (none: removed)."""
        self._set(name, "A", [A(a) for a in addresses], ttl)

    def set_aaaa(self, name: str, addresses: list[str], ttl: int = 1) -> None:
        self._set(name, "AAAA", [AAAA(a) for a in addresses], ttl)

    def set_srv(self, name: str, entries: list[SrvEntry], ttl: int = 1) -> None:
        """The SRV records of `name`: (priority, weight, port, target) each."""
        rdatas = [SRV(priority=p, weight=w, port=port, target=t) for p, w, port, t in entries]
        self._set(name, "SRV", rdatas, ttl)


class _Quiet:
    """dnslib's server logger, silenced."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None
