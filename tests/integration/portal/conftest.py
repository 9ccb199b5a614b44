"""Shared by the portal's integration tests: a movable clock, and every portal error
created in these tests must speak Russian and English properly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from portal.adapters.clock import Clock
from portal.errors import PortalError
from tests.unit.portal.bilingual import recording_portal_errors


@pytest.fixture(autouse=True)
def portal_errors(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[PortalError]]:
    with recording_portal_errors(monkeypatch) as created:
        yield created


class MovableClock(Clock):
    """Real time plus an offset the test moves forward."""

    def __init__(self) -> None:
        self.offset = timedelta()
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        return (self._frozen or super().now()) + self.offset

    def freeze(self) -> None:
        """Stop real time: a test that compares exact delays is not at the mercy of a
        loaded machine (a slow password hash would otherwise shorten a Retry-After)."""
        self._frozen = super().now()

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


async def api_sign_in_cookie(
    client: TestClient[Any, Any], login: str, password: str, *, staff: bool
) -> tuple[str, str]:
    """Sign in through the API with no cookie jar: the session cookie and CSRF token to
    send by hand, so one client can act as many people."""
    session = await client.get("/api/v1/session")
    csrf = (await session.json())["csrf_token"]
    cookie = session.cookies["session"].value
    response = await client.post(
        "/api/v1/auth/staff-login" if staff else "/api/v1/auth/login",
        json={"login": login, "password": password},
        headers={"X-CSRF-Token": csrf, "Cookie": f"session={cookie}"},
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    return response.cookies["session"].value, body["csrf_token"]
