"""Headers on every answer of the node: a Content-Security-Policy, no caching of dynamic
answers (pages and JSON carry personal data), static assets cacheable, and a Server header
that names no library version."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from config import Settings
from portal import migrate
from reception.app import create_app

Client = TestClient[Any, Any]
pytestmark = pytest.mark.timeout(60)
TEMPLATES = Path(__file__).parents[3] / "portal" / "web" / "templates"
STATIC = Path(__file__).parents[3] / "static"
DYNAMIC = ["/", "/login", "/api/v1/session", "/no-such-page", "/api/v1/nope", "/conference"]


@pytest.fixture
async def client(settings: Settings, aiohttp_client: Callable[..., Awaitable[Client]]) -> Client:
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    return await aiohttp_client(create_app(settings))


def _directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize("path", DYNAMIC)
async def test_dynamic_answers_carry_the_policy_and_are_not_stored(
    client: Client, path: str
) -> None:
    response = await client.get(path)
    assert response.headers["Cache-Control"] == "no-store"
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert {"'self'", "ws:", "wss:"} <= set(policy["connect-src"])
    assert "blob:" in policy["media-src"]


async def test_static_assets_may_be_cached(client: Client) -> None:
    response = await client.get("/static/css/app.css")
    assert response.status == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("path", ["/", "/healthz", "/static/css/app.css", "/no-such-page"])
async def test_the_server_header_names_no_version(client: Client, path: str) -> None:
    response = await client.get(path)
    server = response.headers.get("Server", "")
    assert "aiohttp" not in server.lower()
    assert "python" not in server.lower()
    assert not re.search(r"\d", server)


async def test_with_oidc_the_form_may_go_to_the_provider(
    make_settings: Callable[..., Settings], aiohttp_client: Callable[..., Awaitable[Client]]
) -> None:
    settings = make_settings(
        **{
            "oidc.enabled": True,
            "oidc.issuer": "https://esia.example.ru/idp",
            "oidc.client_id": "reception",
            "oidc.client_secret": "s" * 32,
        }
    )
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    client = await aiohttp_client(create_app(settings))
    policy = _directives((await client.get("/login")).headers["Content-Security-Policy"])
    assert policy["form-action"] == ["'self'", "https://esia.example.ru"]


def test_no_inline_script_or_style_in_pages() -> None:
    """The policy allows scripts and styles from /static only: nothing inline may rely on
    more."""
    pages = [*TEMPLATES.rglob("*.html"), *STATIC.rglob("*.html")]
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), f"inline script in {page}"
        assert not re.search(r"<style[\s>]", html), f"inline style in {page}"
        assert not re.search(r"\sstyle=", html), f"style attribute in {page}"
        assert not re.search(r"\son[a-z]+=", html), f"event handler attribute in {page}"
