"""The address of the client a request comes from (`config.addresses` says how proxies
are trusted)."""

from __future__ import annotations

from aiohttp import web

from config.addresses import resolve_client
from portal.http.context import settings_of


def client_address(request: web.Request) -> str:
    """The address to key throttling and logs by for this request."""
    return resolve_client(
        request.remote,
        request.headers.getall("X-Forwarded-For", []),
        settings_of(request).server.trusted_proxies,
    )
