"""Every use of aiortc/aioice internals lives here, so an aiortc upgrade breaks one module.

aiortc is pinned exactly in pyproject.toml; tests/unit/sfu/test_aiortc_bridge.py fails
loudly when one of these hooks no longer fits the installed version.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import aioice.ice

_original_get_host_addresses: Callable[[bool, bool], list[str]] = aioice.ice.get_host_addresses
_allowed_hosts: tuple[str, ...] = ()


def _restricted_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    """Gather only on the configured addresses (aioice never offers loopback by itself)."""
    if not _allowed_hosts:
        return _original_get_host_addresses(use_ipv4, use_ipv6)
    return [
        addr
        for addr in _allowed_hosts
        if (use_ipv4 and ":" not in addr) or (use_ipv6 and ":" in addr)
    ]


def restrict_host_addresses(addresses: Sequence[str]) -> None:
    """Limit the ICE host candidates of every connection in this process.

    aioice reads host addresses through a module-level function with no per-connection
    option, so the restriction is process-wide; an empty list restores every interface.
    """
    global _allowed_hosts
    _allowed_hosts = tuple(addresses)
    aioice.ice.get_host_addresses = _restricted_host_addresses


def gathered_host_addresses(use_ipv4: bool = True, use_ipv6: bool = True) -> list[str]:
    """What aioice will gather on now (used by tests and the network-safety check)."""
    return list(aioice.ice.get_host_addresses(use_ipv4, use_ipv6))
