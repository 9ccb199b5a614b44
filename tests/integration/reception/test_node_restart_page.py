"""The real conference page in Chromium comes back by itself after its node is killed with
SIGKILL and started again: it rejoins with its floor kept and publishes anew, and the
moderator sees it again."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from signaling.directory import RedisDirectory
from signaling.protocol import Role
from signaling.protocol.receptions import Reception, ReceptionState
from signaling.tokens import mint_join_token
from tests.helpers import wait_until
from tests.integration.reception.pages import Page
from tests.node_process import LocalNode, free_port, node_config

pytestmark = [pytest.mark.redis, pytest.mark.browser, pytest.mark.timeout(90)]

BACK_WITHIN_S = 5.0


async def _rejoined(page: Any) -> bool:
    return bool(
        await page.evaluate(
            """() => window.conference.joined
                && document.body.dataset.ready === "true"
                && window.conference.publisher?.pc.connectionState === "connected"
                && window.conference.state.self?.on_air === true"""
        )
    )


async def test_the_page_rejoins_by_itself_after_its_node_restarts(
    tmp_path: Path, redis_url: str, browser: Any
) -> None:
    config = tmp_path / "node.yaml"
    settings = node_config(
        config,
        free_port(),
        data_dir=str(tmp_path / "data"),
        redis={"url": redis_url},
        recording={"enabled": False},
    )
    key = settings.secrets.token_key
    assert key is not None
    rid = f"page{os.getpid()}"

    def token(user: str, role: Role) -> str:
        return mint_join_token(key.get_secret_value(), rid, user, f"Name {user}", role, 120)

    directory = RedisDirectory(redis_url)
    await directory.put(Reception(rid, "Прием", ReceptionState.STARTED, "gov", "mod"))
    node = LocalNode(settings, config, tmp_path / "node.log")
    moderator = Page(node.url, token("mod", Role.MODERATOR), settings.rtc, luma=None)
    context = await browser.new_context()
    try:
        await node.ready()
        assert (await moderator.open())["ok"]
        page = await context.new_page()
        await page.goto(f"{node.url}/conference#token={token('c1', Role.CITIZEN)}")
        await page.wait_for_selector('body[data-ready="true"]', state="attached", timeout=15000)
        ack = await moderator.client.call("set_floor", {"participant_id": "c1", "on_air": True})
        assert ack["ok"], ack
        await wait_until(lambda: _rejoined(page), timeout=10, message="the page on air")
        await wait_until(lambda: moderator.frames_of("c1") > 0, timeout=10, message="c1 seen")

        node.kill()
        await page.wait_for_function("() => !window.conference.joined", timeout=5000)
        node.stop()
        node = LocalNode(settings, config, tmp_path / "node.log")
        answered = await node.ready()

        await wait_until(lambda: _rejoined(page), timeout=BACK_WITHIN_S, interval=0.05)
        rejoined_at = time.monotonic()
        await moderator.joined_after(answered, timeout=BACK_WITHIN_S)
        await wait_until(
            lambda: moderator.frames_of("c1") > 0,
            timeout=answered + BACK_WITHIN_S - time.monotonic(),
            message="the moderator sees the page again",
        )
        print(
            f"node answered -> page rejoined and publishing {rejoined_at - answered:.2f} s, "
            f"seen by the moderator {time.monotonic() - answered:.2f} s"
        )
        assert await page.get_attribute("body", "data-refusal") is None
    finally:
        await moderator.close()
        await context.close()
        await directory.close()
        node.stop()
