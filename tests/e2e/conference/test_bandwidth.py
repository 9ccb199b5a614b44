"""A citizen limited to the manual's minimum connection keeps the governor's video.

Real Chromium: the host (the governor) and two citizens on air, all publishing the fake
camera as VP8 L1T3; a third citizen listens. The moderator limits the listener to 512 and
then 256 kbit/s; the listener's own getStats must show the governor's video still decoding
at a lower frame rate, what it receives within the limit, the governor's sound whole, and
the page saying whose video is reduced or off. The citizens on air keep their microphones
off, so the governor is the voice the SFU follows and his tile is the main one.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.e2e.conference.inbound import (
    MARGIN,
    WINDOW_S,
    Window,
    host_consumer,
    host_video,
    measure,
    thinned,
)
from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


async def test_a_listener_limited_to_512_and_256_kbps_keeps_the_governors_video(
    open_person: Callable[..., Any], artifacts: Path, live_node: tuple[str, web.Application]
) -> None:
    app = live_node[1]
    moderator = await open_person("moderator")
    await moderator.wait_body("ready", "true")
    host = await open_person("host")
    speakers = [await open_person("citizen-1"), await open_person("citizen-2")]
    listener = await open_person("citizen-3")
    for person in (host, *speakers, listener):
        await person.wait_body("ready", "true")
    for speaker in speakers:
        await speaker.page.evaluate("window.conference.selfMute('audio')")
        ack = await moderator.page.evaluate(
            "(id) => window.conference.command('set_floor', {participant_id: id, on_air: true})",
            speaker.name,
        )
        assert ack["ok"], ack
    for publisher in ("host", "citizen-1", "citizen-2"):
        await listener.wait_frames(publisher)

    free = await measure(listener)
    assert free.fps > 5, free
    assert await listener.page.is_hidden("#received-video")

    results: dict[int, Window] = {}
    sfu: dict[int, dict[str, Any]] = {}
    for kbps in (512, 256):
        ack = await moderator.page.evaluate(
            "(kbps) => window.conference.command("
            "'limit_bandwidth', {participant_id: 'citizen-3', kbps})",
            kbps,
        )
        assert ack["ok"], ack
        # The SFU thins the governor's video and the page says so; then the window.
        await wait_until(lambda: thinned(app), timeout=10, message="the governor thinned")
        await listener.page.wait_for_selector("#received-video:not([hidden])", timeout=10_000)
        capped = results[kbps] = await measure(listener)
        sfu[kbps] = host_consumer(app)
        await listener.page.screenshot(path=str(artifacts / f"listener-{kbps}kbps.png"))

        assert thinned(app), host_video(app)
        assert capped.fps > 0.5, capped
        assert capped.fps < 0.8 * free.fps or capped.width < free.width, (free, capped)
        assert capped.kbps <= kbps * MARGIN, capped
        assert capped.audio_packets > 0.8 * 50 * WINDOW_S, capped  # Opus: 50 packets a second
        assert capped.concealed < 0.1, capped
        notice = await listener.page.inner_text("#received-video")
        assert "Видео снижено из-за ограничения скорости" in notice
        assert "Губернатор" in notice
        assert "Сидоров" not in notice  # the listener's own video is never in it

    await listener.page.click('button[data-lang="en"]')
    notice = await listener.page.inner_text("#received-video")
    assert "Video is reduced because of the bandwidth limit" in notice

    measured = {
        "free": dataclasses.asdict(free),
        **{f"{k} kbit/s": {**dataclasses.asdict(w), "sfu": sfu[k]} for k, w in results.items()},
    }
    (artifacts / "measured.json").write_text(json.dumps(measured, indent=1))

    # The limit lifted: the governor's video comes whole again and the notice goes.
    await moderator.page.evaluate(
        "window.conference.command('limit_bandwidth', {participant_id: 'citizen-3', kbps: null})"
    )
    await listener.page.wait_for_selector("#received-video", state="hidden", timeout=10_000)
    assert host_video(app) == "full"
