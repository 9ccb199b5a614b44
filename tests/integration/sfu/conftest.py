"""A Router per test and real aiortc client peers on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from config import Settings
from sfu import Router
from tests.integration.sfu.peers import Clients


@pytest.fixture
async def router(settings: Settings) -> AsyncIterator[Router]:
    router = Router(settings.rtc, name="test-reception")
    yield router
    await router.close()


@pytest.fixture
async def clients(settings: Settings, router: Router) -> AsyncIterator[Clients]:
    made = Clients(settings.rtc, router)
    yield made
    await made.close()
