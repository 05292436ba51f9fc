"""Client-address matching against IPv4/IPv6 addresses and CIDR blocks (like resty.ipmatcher)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=4096)
def _parse_addr(addr: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(addr.strip("[]"))
    except ValueError:
        return None


class IpMatcher:
    """Tells whether an address is in any of a list of addresses / CIDR blocks."""

    def __init__(self, specs: Iterable[str]) -> None:
        self._v4: list[ipaddress.IPv4Network] = []
        self._v6: list[ipaddress.IPv6Network] = []
        self._exact: set[str] = set()
        for spec in specs:
            network: _Network = ipaddress.ip_network(spec.strip(), strict=False)
            if network.num_addresses == 1:
                self._exact.add(str(network.network_address))
            elif isinstance(network, ipaddress.IPv4Network):
                self._v4.append(network)
            else:
                self._v6.append(network)

    def match(self, addr: str | None) -> bool:
        if not addr:
            return False
        parsed = _parse_addr(addr)
        if parsed is None:
            return False
        if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
            mapped = parsed.ipv4_mapped
            if str(mapped) in self._exact or any(mapped in net for net in self._v4):
                return True
        if str(parsed) in self._exact:
            return True
        if isinstance(parsed, ipaddress.IPv4Address):
            return any(parsed in net for net in self._v4)
        return any(parsed in net for net in self._v6)
