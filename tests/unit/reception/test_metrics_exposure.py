"""Who can read /metrics: open on the embedded default, absent from the public app in
production unless configured, behind a bearer token, or on its own address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import ValidationError

from config import Settings
from config.settings import MetricsSettings
from reception.app import create_app
from tests.node_process import free_port

KEYS = {
    "secrets.session_key": "k" * 40,
    "secrets.token_key": "t" * 40,
    "server.public_url": "https://priem.example.ru",
}
TOKEN = "m" * 40


async def _status(settings: Settings, headers: dict[str, str] | None = None) -> int:
    async with TestClient(TestServer(create_app(settings))) as client:
        response = await client.get("/metrics", headers=headers or {})
        await response.read()
        return response.status


async def test_embedded_default_serves_metrics(make_settings: Callable[..., Settings]) -> None:
    assert await _status(make_settings()) == 200


async def test_production_keeps_metrics_off_the_public_app(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(mode="production", **KEYS)
    assert await _status(settings) == 404


@pytest.mark.parametrize("mode", ["embedded", "production"])
async def test_a_token_protects_metrics(make_settings: Callable[..., Settings], mode: str) -> None:
    settings = make_settings(mode=mode, **{"metrics.token": TOKEN, **KEYS})
    assert await _status(settings) == 401
    assert await _status(settings, {"Authorization": "Bearer wrong"}) == 401
    assert await _status(settings, {"Authorization": f"Basic {TOKEN}"}) == 401
    assert await _status(settings, {"Authorization": f"Bearer {TOKEN}"}) == 200


async def test_metrics_on_their_own_address(make_settings: Callable[..., Settings]) -> None:
    port = free_port()
    settings = make_settings(**{"metrics.listen": f"127.0.0.1:{port}"})
    app = create_app(settings)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    public = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{public}/metrics") as resp:
                assert resp.status == 404
            async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
                assert resp.status == 200
                assert "reception_http_requests" in await resp.text()
            async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                assert resp.status == 404, "only /metrics on the metrics address"
    finally:
        await runner.cleanup()
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as http:
            await http.get(f"http://127.0.0.1:{port}/metrics")


@pytest.mark.parametrize("listen", ["9100", "host:", ":9100x", "h:0", "h:70000", "[::1:9100"])
def test_a_malformed_listen_address_is_refused(listen: str) -> None:
    with pytest.raises(ValidationError):
        MetricsSettings(listen=listen)


@pytest.mark.parametrize(
    ("listen", "host", "port"),
    [
        ("127.0.0.1:9100", "127.0.0.1", 9100),
        ("[::1]:9100", "::1", 9100),
        ("0.0.0.0:1", "0.0.0.0", 1),
    ],
)
def test_a_listen_address(listen: str, host: str, port: int) -> None:
    assert MetricsSettings(listen=listen).address == (host, port)


def test_a_short_token_is_refused(**_: Any) -> None:
    with pytest.raises(ValidationError):
        MetricsSettings(token="short")
