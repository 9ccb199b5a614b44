"""Chromium publishes through the SFU to another Chromium, which plays the picture.

The publisher sends VP8 with scalabilityMode L1T3, so the test also sees the SFU drop
temporal layers under a receive cap while the subscriber keeps decoding.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from config import Settings
from sfu import ForwardingState, MediaKind, Router
from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

PUBLISH = """
async (url) => {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: {width: 640, height: 480, frameRate: 30}, audio: true});
  const pc = new RTCPeerConnection();
  for (const track of stream.getTracks()) {
    const init = {direction: 'sendonly', streams: [stream]};
    if (track.kind === 'video') init.sendEncodings = [{scalabilityMode: 'L1T3'}];
    pc.addTransceiver(track, init);
  }
  await pc.setLocalDescription(await pc.createOffer());
  const answer = await (await fetch(url + '/publish', {method: 'POST',
    body: JSON.stringify({sdp: pc.localDescription.sdp})})).json();
  await pc.setRemoteDescription({type: 'answer', sdp: answer.sdp});
  window.pc = pc;
}
"""

SUBSCRIBE = """
async (url) => {
  const pc = new RTCPeerConnection();
  const video = document.createElement('video');
  video.autoplay = true; video.muted = true; video.playsInline = true;
  document.body.appendChild(video);
  const stream = new MediaStream();
  pc.ontrack = (event) => { stream.addTrack(event.track); video.srcObject = stream; };
  const offer = await (await fetch(url + '/subscribe', {method: 'POST'})).json();
  await pc.setRemoteDescription({type: 'offer', sdp: offer.sdp});
  await pc.setLocalDescription(await pc.createAnswer());
  await fetch(url + '/answer', {method: 'POST',
    body: JSON.stringify({sdp: pc.localDescription.sdp})});
  window.pc = pc; window.video = video;
}
"""

INBOUND_VIDEO = """
async () => {
  const report = await window.pc.getStats();
  for (const s of report.values())
    if (s.type === 'inbound-rtp' && s.kind === 'video')
      return {frames: s.framesDecoded || 0, fps: s.framesPerSecond || 0,
              width: s.frameWidth || 0, bytes: s.bytesReceived || 0};
  return {frames: 0, fps: 0, width: 0, bytes: 0};
}
"""


@pytest.fixture
async def sfu_page_server(settings: Settings) -> AsyncIterator[tuple[str, Router]]:
    """A tiny HTTP front for one Router: the browser pages' only signaling."""
    router = Router(settings.rtc, name="chromium")

    async def index(request: web.Request) -> web.Response:
        return web.Response(
            text="<!doctype html><title>sfu</title><body></body>", content_type="text/html"
        )

    async def publish(request: web.Request) -> web.Response:
        body = json.loads(await request.text())
        transport = await router.add_publisher("chromium-publisher")
        router.apply("chromium-publisher", ForwardingState(on_air=True))
        return web.json_response({"sdp": await transport.accept_offer(body["sdp"])})

    async def subscribe(request: web.Request) -> web.Response:
        transport = await router.add_subscriber("chromium-subscriber")
        return web.json_response({"sdp": (await transport.create_offer()).sdp})

    async def answer(request: web.Request) -> web.Response:
        body = json.loads(await request.text())
        await router.subscribers["chromium-subscriber"].accept_answer(body["sdp"])
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/", index)
    app.router.add_post("/publish", publish)
    app.router.add_post("/subscribe", subscribe)
    app.router.add_post("/answer", answer)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}", router
    await router.close()
    await runner.cleanup()


async def test_chromium_to_chromium_through_the_sfu(
    sfu_page_server: tuple[str, Router], browser: Any, artifacts: Path
) -> None:
    url, router = sfu_page_server
    publisher = await browser.new_page()
    await publisher.goto(url)
    await publisher.evaluate(PUBLISH, url)
    producer = await wait_until(
        lambda: next((p for p in router.producers() if p.kind is MediaKind.VIDEO), None),
        timeout=15,
        message="Chromium's video producer",
    )
    subscriber = await browser.new_page()
    await subscriber.goto(url)
    await subscriber.evaluate(SUBSCRIBE, url)

    async def decoded() -> dict[str, float]:
        stats: dict[str, float] = await subscriber.evaluate(INBOUND_VIDEO)
        return stats

    await wait_until(
        lambda: _frames_at_least(decoded(), 60),
        timeout=20,
        interval=0.5,
        message="60 frames decoded by the subscribing Chromium",
    )
    assert await subscriber.evaluate("window.video.videoWidth") > 0
    await subscriber.screenshot(path=str(artifacts / "chromium-subscriber.png"))

    # Chromium honours L1T3: three temporal layers arrive, and a cap drops the upper ones
    await wait_until(
        lambda: len(producer.layer_bitrates()) == 3,
        timeout=10,
        message="three temporal layers from Chromium",
    )

    async def fps_over(seconds: float) -> float:
        before = await decoded()
        await subscriber.wait_for_timeout(int(seconds * 1000))
        return ((await decoded())["frames"] - before["frames"]) / seconds

    full_fps = await fps_over(3)
    layers = producer.layer_bitrates()
    audio = next(p for p in router.producers() if p.kind is MediaKind.AUDIO)
    # room for audio, the base layer and half of the middle one: upper layers must go
    cap_bps = audio.received.bitrate_bps + layers[0] + layers[1] // 2
    router.apply("chromium-subscriber", ForwardingState(receive_limit_kbps=cap_bps // 1000))
    await wait_until(
        lambda: router.subscribers["chromium-subscriber"].enforced.get("video") == "reduced",
        timeout=10,
    )
    capped_fps = await fps_over(3)
    assert 0 < capped_fps < 0.75 * full_fps, (full_fps, capped_fps)
    assert router.stats()["participants"]["chromium-subscriber"]["subscriber"]["enforced"]["tracks"]


async def _frames_at_least(stats: Any, count: int) -> bool:
    return bool((await stats)["frames"] >= count)
