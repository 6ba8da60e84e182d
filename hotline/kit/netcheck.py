"""Is an address public? Outgoing requests to URLs someone typed must not reach inside networks."""

from __future__ import annotations

import ipaddress
import socket

#: IPv6 ranges that carry an IPv4 address in their last 32 bits (NAT64, IPv4-compatible).
_V4_IN_V6 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::/96"))
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def ip_of(host: str) -> IPAddress | None:
    """The IP address a URL host or resolver answer spells, or None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])  # no IPv6 zone ("%eth0")
    except ValueError:
        return None


def _embedded_v4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to (mapped, 6to4, Teredo, NAT64, compatible)."""
    found = [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
    if address.teredo is not None:
        found += list(address.teredo)
    if any(address in net for net in _V4_IN_V6):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def is_public(host: str) -> bool:
    """Whether an address literal is public (false for names: they need resolving first).

    An IPv6 address that embeds an IPv4 one is public only if that one is too: 64:ff9b::10.0.0.1
    or 2002:7f00:1:: reach a private network through a translator.
    """
    address = ip_of(host)
    if address is None or not address.is_global:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL:
            return False
        return all(v4.is_global for v4 in _embedded_v4(address))
    return True


def resolves_public(host: str, port: int = 443) -> bool:
    """True when the host (a name or literal) resolves only to public addresses."""
    if ip_of(host) is not None:
        return is_public(host)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return False
    addresses = {str(info[4][0]) for info in infos}
    return bool(addresses) and all(is_public(a) for a in addresses)
