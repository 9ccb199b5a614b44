"""The address of the client a request comes from, behind trusted reverse proxies too.

Behind a proxy every request arrives from the proxy's address, so anything keyed per
address (sign-in slowing down, connections per address) would lump all citizens together.
`X-Forwarded-For` names the client, but anyone can send that header: it is read only when
the direct peer is a configured proxy (`server.trusted_proxies`), and then from the right,
since each trusted proxy appends the address it saw and everything left of the first
untrusted address may be made up by the client. Used by the portal and the signaling alike.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "unknown"


def _parse(value: str) -> Address | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, proxies: Sequence[Network]) -> bool:
    return any(address in network for network in proxies)


def resolve_client(
    peer: str | None, forwarded_for: Sequence[str], proxies: Sequence[Network]
) -> str:
    """The client address given the direct peer and every X-Forwarded-For header in order.

    The rightmost address that is not a trusted proxy; when a hop is not an address at
    all, the proxy that passed it on (it is the last one we can vouch for); when every
    hop is trusted, the leftmost."""
    direct = _parse(peer) if peer else None
    if direct is None:
        return peer or UNKNOWN
    if not _trusted(direct, proxies):
        return str(direct)
    hops = [hop for header in forwarded_for for hop in header.split(",") if hop.strip()]
    nearest = direct
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            return str(nearest)
        if not _trusted(address, proxies):
            return str(address)
        nearest = address
    return str(nearest)
