"""The development page exists only in development mode and hands out working links."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

import pytest
from aiohttp import ClientSession

from config import Settings
from signaling.options import SignalingOptions
from signaling.protocol import Role
from signaling.tokens import verify_join_token
from tests.integration.signaling.conftest import ClientFactory, Node, start_node

pytestmark = pytest.mark.timeout(30)


async def test_absent_unless_development(node: Node) -> None:
    async with ClientSession() as http, http.get(f"{node.url}/dev/conference") as response:
        assert response.status == 404


async def test_demo_reception_links_join(
    make_settings: Callable[..., Settings], make_client: ClientFactory
) -> None:
    settings = make_settings(**{"server.development": True})
    dev = await start_node(settings, SignalingOptions(node_id="dev"))
    try:
        async with ClientSession() as http:
            async with http.get(f"{dev.url}/dev/conference") as page:
                assert page.status == 200
                assert "Демонстрационный прием" in await page.text()
            async with http.get(f"{dev.url}/dev/conference/links.json") as response:
                data = await response.json()
        links = {link["user_id"]: link for link in data["links"]}
        assert {link["role"] for link in links.values()} == {r.value for r in Role}
        key = settings.secrets.token_key
        assert key is not None
        tokens = {uid: unquote(link["url"].split("#token=")[1]) for uid, link in links.items()}
        claims = verify_join_token(key.get_secret_value(), tokens["moderator"])
        assert claims.reception_id == data["reception_id"]
        moderator, citizen = await make_client(dev), await make_client(dev)
        assert (await moderator.join(tokens["moderator"]))["ok"]
        assert (await citizen.join(tokens["citizen-1"]))["ok"]
        await moderator.sio.disconnect()
        await citizen.sio.disconnect()
    finally:
        await dev.runner.cleanup()
