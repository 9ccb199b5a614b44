"""Sign-in slowing down keys on the client behind a trusted proxy, never on a spoofed header."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from portal import migrate
from portal.adapters.orm import SignInFailures
from portal.http.context import DATABASE
from portal.services.throttle import ADDRESS_POLICY
from reception.app import create_app
from tests.integration.portal.accounts.conftest import csrf_of

Client = TestClient[Any, Any]
_ACCOUNTS = itertools.count()


async def _client(make_settings: Any, aiohttp_client: Any, proxies: list[str]) -> Client:
    settings = make_settings(**{"server.trusted_proxies": proxies})
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    client: Client = await aiohttp_client(create_app(settings))
    return client


async def _failed_sign_in(client: Client, forwarded_for: str) -> int:
    """A wrong password for a new account each time, so only the address counter grows."""
    page = await (await client.get("/login")).text()
    response = await client.post(
        "/login",
        data={
            "login": f"nobody{next(_ACCOUNTS)}@example.ru",
            "password": "wrong",
            "_csrf": csrf_of(page),
        },
        headers={"X-Forwarded-For": forwarded_for},
        allow_redirects=False,
    )
    return response.status


async def _address_keys(client: Client) -> set[str]:
    async with client.app[DATABASE].session() as session:
        keys = (await session.execute(select(SignInFailures.key))).scalars()
    return {key for key in keys if key.startswith("address:")}


async def test_spoofed_header_from_an_untrusted_peer_is_ignored(
    make_settings: Callable[..., Any], aiohttp_client: Callable[..., Awaitable[Client]]
) -> None:
    client = await _client(make_settings, aiohttp_client, [])
    for n in range(ADDRESS_POLICY.free_failures + 1):
        # A fresh made-up address each time does not escape the address's counter.
        assert await _failed_sign_in(client, f"203.0.113.{n}") == 422
    assert await _address_keys(client) == {"address:127.0.0.1"}
    assert await _failed_sign_in(client, "198.51.100.1") == 429


async def test_clients_behind_a_trusted_proxy_are_told_apart(
    make_settings: Callable[..., Any], aiohttp_client: Callable[..., Awaitable[Client]]
) -> None:
    client = await _client(make_settings, aiohttp_client, ["127.0.0.1"])
    for _ in range(ADDRESS_POLICY.free_failures + 1):
        # The client's own X-Forwarded-For part ("6.6.6.6") is not believed.
        assert await _failed_sign_in(client, "6.6.6.6, 203.0.113.5") == 422
    assert await _address_keys(client) == {"address:203.0.113.5"}
    assert await _failed_sign_in(client, "203.0.113.5") == 429
    # Another citizen behind the same proxy is not slowed down by the first one.
    assert await _failed_sign_in(client, "203.0.113.6") == 422
    assert await _address_keys(client) == {"address:203.0.113.5", "address:203.0.113.6"}
