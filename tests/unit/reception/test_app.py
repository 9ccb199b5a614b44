"""The node's application: probes, metrics, request ids, a clean start and stop."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import aiohttp
from aiohttp import web

from config import Settings
from reception.app import create_app


async def test_healthz_and_readyz(live_server: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{live_server}/healthz") as resp:
            assert resp.status == 200
            assert await resp.json() == {"status": "ok"}
        async with http.get(f"{live_server}/readyz") as resp:
            assert resp.status == 200
            assert await resp.json() == {"status": "ready", "checks": {"database": "ok"}}


async def test_start_page_is_russian_with_english_switch(live_server: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{live_server}/") as resp:
            html = await resp.text()
            assert resp.status == 200
            assert '<html lang="ru"' in html
            assert "Интерактивная приемная Губернатора" in html
        async with http.get(f"{live_server}/lang/en") as resp:
            assert resp.status == 200  # redirected back to the start page
            html = await resp.text()
            assert '<html lang="en"' in html
            assert "The Governor&#39;s Interactive Reception" in html
        async with http.get(f"{live_server}/lang/xx") as resp:
            assert resp.status == 404


async def test_metrics_count_requests_by_route_template(live_server: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(3):
            async with http.get(f"{live_server}/healthz"):
                pass
        async with http.get(f"{live_server}/no/such/page") as resp:
            assert resp.status == 404
        async with http.get(f"{live_server}/lang/de"):
            pass
        async with http.get(f"{live_server}/metrics") as resp:
            assert resp.status == 200
            assert resp.content_type == "text/plain"
            text = await resp.text()
    assert 'reception_http_requests_total{method="GET",route="/healthz",status="200"} 3.0' in text
    assert 'reception_http_requests_total{method="GET",route="unmatched",status="404"} 1.0' in text
    # Paths with ids are reported by their template, so label sets stay bounded.
    assert 'route="/lang/{code}",status="404"' in text
    assert "/no/such/page" not in text
    assert "reception_http_request_duration_seconds_bucket" in text
    assert "process_resident_memory_bytes" in text
    assert "python_info" in text


async def test_request_id_is_kept_or_made(live_server: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{live_server}/healthz", headers={"X-Request-Id": "abc12345-xyz"}
        ) as r:
            assert r.headers["X-Request-Id"] == "abc12345-xyz"
        async with http.get(f"{live_server}/healthz", headers={"X-Request-Id": "bad id!"}) as r:
            made = r.headers["X-Request-Id"]
            assert made != "bad id!"
            assert len(made) == 32


def _open_sockets() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                count += 1
        except OSError:
            continue
    return count


async def test_clean_start_and_stop_leaves_nothing_behind(settings: Settings) -> None:
    from portal import migrate

    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    tasks_before = asyncio.all_tasks()
    sockets_before = _open_sockets()

    app = create_app(settings)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    async with aiohttp.ClientSession() as http:
        for path in ("/healthz", "/readyz", "/", "/metrics"):
            async with http.get(f"http://127.0.0.1:{port}{path}") as resp:
                assert resp.status == 200
    assert _open_sockets() > sockets_before
    await runner.cleanup()
    await asyncio.sleep(0)

    leftover = {t for t in asyncio.all_tasks() - tasks_before if not t.done()}
    assert leftover == set()
    assert _open_sockets() == sockets_before


async def test_role_subset_mounts_only_its_parts(make_settings: Any) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    settings = make_settings(**{"server.roles": ["transcoder"]})
    async with TestClient(TestServer(create_app(settings))) as client:
        assert (await client.get("/healthz")).status == 200
        assert (await client.get("/metrics")).status == 200
        assert (await client.get("/")).status == 404
        assert (await client.get("/socket.io/", params={"EIO": "4"})).status == 404
