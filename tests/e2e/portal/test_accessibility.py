"""axe-core on the main pages in real Chromium: no critical or serious violation.

axe.min.js is vendored (MPL-2.0, licence header kept) because tests have no network.
Pages of areas not mounted in this build are left out by their 404, not by a list.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from config import Settings
from tests.e2e.portal.accounts_helpers import make_admin, make_complete_citizen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe.min.js"
BLOCKING = ("critical", "serious")

PUBLIC_PAGES = [
    "/",
    "/register",
    "/login",
    "/staff/login",
    "/password-reset",
    "/policy",
    "/accessibility",
]
CITIZEN_PAGES = ["/profile", "/appeals", "/appeals/new"]
ADMIN_PAGES = [
    "/staff",
    "/staff/settings",
    "/admin/staff",
    "/admin/staff/new",
    "/admin/outbox",
    "/admin/audit",
]


async def _violations(page: Any, url: str) -> list[dict[str, Any]] | None:
    """Blocking violations on the page, or None when the page does not exist here."""
    response = await page.goto(url)
    assert response is not None, url
    if response.status == 404:
        return None
    assert response.status == 200, f"{url}: HTTP {response.status}"
    # Evaluated by the browser's debugging protocol: the page's CSP forbids inline scripts.
    await page.evaluate(AXE.read_text(encoding="utf-8"))
    result = await page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


async def _check(page: Any, base: str, paths: list[str], found: dict[str, Any]) -> int:
    checked = 0
    for path in paths:
        violations = await _violations(page, base + path)
        if violations is None:
            continue
        checked += 1
        if violations:
            found[path] = violations
    return checked


def test_axe_is_vendored_with_its_licence() -> None:
    head = AXE.read_text(encoding="utf-8")[:600]
    assert head.startswith("/*! axe v4.")
    assert "Mozilla Public" in head


async def test_main_pages_have_no_serious_accessibility_violations(
    live_server: str, settings: Settings, browser: Any, artifacts: Path
) -> None:
    await make_admin(settings)
    await make_complete_citizen(settings)
    found: dict[str, Any] = {}
    checked = 0
    for a11y in (False, True):
        context = await browser.new_context()
        if a11y:
            await context.add_cookies(
                [{"name": "a11y", "value": "on.xlarge.white-on-black.wide", "url": live_server}]
            )
        page = await context.new_page()
        checked += await _check(page, live_server, PUBLIC_PAGES, found)
        await sign_in(page, live_server, "anna@example.ru")
        checked += await _check(page, live_server, CITIZEN_PAGES, found)
        await context.clear_cookies()
        await sign_in(page, live_server, "admin", staff=True)
        checked += await _check(page, live_server, ADMIN_PAGES, found)
        await context.close()
    (artifacts / "axe.json").write_text(json.dumps(found, ensure_ascii=False, indent=2))
    assert checked >= 2 * (len(PUBLIC_PAGES) + len(ADMIN_PAGES) + 1)
    assert not found, json.dumps(found, ensure_ascii=False, indent=2)
