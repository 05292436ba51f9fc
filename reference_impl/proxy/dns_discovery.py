"""`discovery_type: dns` (apisix/discovery/dns): an upstream's nodes are the records of its
`service_name` (`host` or `host:port`), asked of the DNS servers of config.yaml's
`discovery.dns.servers`, and asked again when their TTL runs out, so record changes are
followed.

As APISIX's dns client: the record types are tried in the order `last` (the type that
answered last time), SRV, A, AAAA; an SRV record's target is resolved to its addresses, which
share its weight (a weight of 0 counts as 1), its priority is negated (lower SRV priorities
are chosen first) and its port applies unless the service name has one or it is 0; A and AAAA
records have weight 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from dnslib import QTYPE, RCODE, DNSRecord

from .background import BackgroundTask

log = logging.getLogger(__name__)

QUERY_TIMEOUT = 2.0  # seconds per server
MIN_TTL = 1.0  # a record's TTL below this (0 included) is asked again after this long
RETRY_AFTER = 1.0  # after no server answered: the nodes stay, asked again after this long
ORDER = ("SRV", "A", "AAAA")


@dataclass(frozen=True)
class DnsNode:
    host: str
    port: int | None
    weight: int
    priority: int


class DnsLookupError(Exception):
    """No server answered (the previous nodes stay)."""


def split_service_name(service_name: str) -> tuple[str, int | None]:
    host, sep, port = service_name.rpartition(":")
    if sep and port.isdigit() and ":" not in host:
        return host, int(port)
    return service_name, None


def parse_server(text: str) -> tuple[str, int]:
    """`ip` or `ip:port` of a DNS server (port 53 by default)."""
    host, port = split_service_name(text)
    return host.strip("[]"), 53 if port is None else port


class _Answer(asyncio.DatagramProtocol):
    def __init__(self, query_id: int) -> None:
        self.query_id = query_id
        self.reply: asyncio.Future[DNSRecord] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: object) -> None:
        with contextlib.suppress(Exception):  # a datagram that is not our answer is ignored
            record = DNSRecord.parse(data)
            if record.header.id == self.query_id and not self.reply.done():
                self.reply.set_result(record)

    def error_received(self, exc: Exception) -> None:
        if not self.reply.done():
            self.reply.set_exception(exc)


class DnsClient:
    """Asks the configured servers in turn over UDP."""

    def __init__(self, servers: list[str]) -> None:
        if not servers:
            raise ValueError("discovery.dns.servers is empty")
        self.servers = [parse_server(s) for s in servers]
        self.last_type: dict[str, str] = {}

    async def _ask(self, name: str, qtype: str) -> DNSRecord:
        query = DNSRecord.question(name, qtype)
        loop = asyncio.get_running_loop()
        failure: Exception = DnsLookupError(f"no DNS server answered for {name}")
        for host, port in self.servers:
            transport, proto = await loop.create_datagram_endpoint(
                lambda: _Answer(query.header.id), remote_addr=(host, port)
            )
            try:
                transport.sendto(query.pack())
                async with asyncio.timeout(QUERY_TIMEOUT):
                    return await proto.reply
            except (TimeoutError, OSError) as exc:
                failure = DnsLookupError(f"{host}:{port}: {exc or 'timed out'}")
            finally:
                transport.close()
        raise failure

    async def _addresses(self, name: str, qtype: str) -> tuple[list[str], float] | None:
        reply = await self._ask(name, qtype)
        if reply.header.rcode != RCODE.NOERROR:
            return None
        wanted = getattr(QTYPE, qtype)
        found = [(str(rr.rdata), rr.ttl) for rr in reply.rr if rr.rtype == wanted]
        if not found:
            return None
        return [address for address, _ in found], min(ttl for _, ttl in found)

    async def _srv(self, name: str) -> tuple[list[DnsNode], float] | None:
        reply = await self._ask(name, "SRV")
        if reply.header.rcode != RCODE.NOERROR:
            return None
        records = [rr for rr in reply.rr if rr.rtype == QTYPE.SRV]
        if not records:
            return None
        nodes: list[DnsNode] = []
        ttl = min(float(rr.ttl) for rr in records)
        for rr in records:
            srv = rr.rdata
            target = str(srv.target).rstrip(".")
            found = await self._addresses(target, "A") or await self._addresses(target, "AAAA")
            if found is None:
                continue
            addresses, address_ttl = found
            ttl = min(ttl, address_ttl)
            weight = max(int(srv.weight), 1)
            share = max(weight // len(addresses), 1)
            for address in addresses:
                port = int(srv.port) or None
                nodes.append(DnsNode(address, port, share, -int(srv.priority)))
        return (nodes, ttl) if nodes else None

    async def resolve(self, name: str) -> tuple[list[DnsNode], float]:
        """The nodes of `name` and how long they hold; ([], MIN_TTL) when it has none.
        DnsLookupError when no server answered."""
        last = self.last_type.get(name)
        order = ([last] if last else []) + [t for t in ORDER if t != last]
        for qtype in order:
            if qtype == "SRV":
                found = await self._srv(name)
            else:
                plain = await self._addresses(name, qtype)
                found = None
                if plain is not None:
                    found = ([DnsNode(a, None, 1, 0) for a in plain[0]], float(plain[1]))
            if found is not None:
                self.last_type[name] = qtype
                return found
        return [], MIN_TTL


class DnsNodes:
    """The nodes of one discovered upstream, kept up to date while started: `on_change` gets
    each new node list (as upstream `nodes` array entries); `ready` is set once the first
    answer (or failure) is in."""

    def __init__(
        self,
        client: DnsClient,
        service_name: str,
        on_change: Callable[[list[dict[str, object]]], None],
    ) -> None:
        self.client = client
        self.host, self.port = split_service_name(service_name)
        self.on_change = on_change
        self.ready = asyncio.Event()
        self._current: list[DnsNode] | None = None
        self._refresher = BackgroundTask(self._run)
        self.start, self.stop = self._refresher.start, self._refresher.stop

    async def _run(self) -> None:
        while True:
            try:
                nodes, ttl = await self.client.resolve(self.host)
            except DnsLookupError as exc:
                log.warning("discovery dns %s: %s", self.host, exc)
                self.ready.set()
                await asyncio.sleep(RETRY_AFTER)
                continue
            if nodes != self._current:
                self._current = nodes
                self.on_change(
                    [
                        {
                            "host": n.host,
                            "port": self.port or n.port,
                            "weight": n.weight,
                            "priority": n.priority,
                        }
                        for n in nodes
                    ]
                )
            self.ready.set()
            await asyncio.sleep(max(ttl, MIN_TTL))
