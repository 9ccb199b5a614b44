"""Events per connection: a real client's bursts pass, a flood is refused at once and then
closed, and another reception on the node keeps forwarding and answering meanwhile."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from config import Settings
from signaling.options import SignalingOptions
from signaling.protocol import Role
from signaling.server import NAMESPACE
from tests.helpers import wait_until
from tests.integration.signaling.conftest import Client, ClientFactory, Node, start_node
from tests.integration.signaling.peers import MediaPeer

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def strict(make_settings: Callable[..., Settings]) -> AsyncIterator[Node]:
    """Five events a second, ten at once: small enough to reach in a test."""
    settings = make_settings(
        **{"signaling.limits.events_per_second": 5, "signaling.limits.event_burst": 10}
    )
    node = await start_node(settings, SignalingOptions(reconnect_grace_s=5, node_id="n1"))
    yield node
    await node.runner.cleanup()


async def fire(client: Client, count: int, acks: Counter[str]) -> None:
    """Send `count` reports without waiting for any acknowledgement, as a flood does."""

    def acknowledged(ack: dict[str, Any]) -> None:
        acks["ok" if ack["ok"] else ack["error"]["code"]] += 1

    for _ in range(count):
        if not client.sio.connected:
            return
        await client.sio.emit("report", {"rtt_ms": 1}, namespace=NAMESPACE, callback=acknowledged)
        await asyncio.sleep(0)  # the node shares this loop: let it read


async def test_a_real_clients_bursts_pass(node: Node, make_client: ClientFactory) -> None:
    """Default limits: a page starting up and a moderator clicking through the list fast."""
    await node.open()
    moderator, citizen = await make_client(node), await make_client(node)
    assert (await moderator.join(node.token("mod", Role.MODERATOR)))["ok"]
    joined = await citizen.join(node.token("a"))
    starting = [
        citizen.call("subscribe"),
        citizen.call("self_mute", {"kind": "audio", "muted": True}),
        citizen.call("self_mute", {"kind": "video", "muted": False}),
        citizen.call("choose_layout", {"layout": "grid"}),
        *(citizen.call("report", {"rtt_ms": 20}) for _ in range(5)),
    ]
    commands = [
        moderator.call(event, payload)
        for _ in range(10)
        for event, payload in (
            ("set_floor", {"participant_id": "a", "on_air": True}),
            ("set_mic_level", {"participant_id": "a", "gain_db": 3}),
            ("mute", {"participant_id": "a", "kind": "video", "muted": False}),
            ("hold", {"participant_id": "a", "held": False}),
            ("limit_bandwidth", {"participant_id": "a", "kbps": None}),
            ("set_layout", {"layout": "grid"}),
            ("tech_info", {"participant_id": "a"}),
        )
    ]
    acks = await asyncio.gather(*starting, *commands)
    assert [a for a in acks if not a["ok"]] == []
    assert joined["ok"]
    assert node.namespace.refusals._counter.labels("rate_limited")._value.get() == 0


async def test_a_flood_is_refused_then_closed_and_the_participant_keeps_its_place(
    strict: Node, make_client: ClientFactory
) -> None:
    node = strict
    await node.open()
    moderator, flooder = await make_client(node), await make_client(node)
    await moderator.join(node.token("mod", Role.MODERATOR))
    joined = await flooder.join(node.token("a"))
    await moderator.call("set_floor", {"participant_id": "a", "on_air": True})

    acks: Counter[str] = Counter()
    await fire(flooder, 300, acks)
    await wait_until(lambda: not flooder.sio.connected, message="the flooder closed")
    # The bucket had 9 events left after the join; a few more trickle in while it sends.
    assert 9 <= acks["ok"] <= 14, acks
    assert acks["rate_limited"] >= 1
    assert set(acks) == {"ok", "rate_limited"}
    # Its place, floor included, waits for it as after any dropped connection.
    seen = await moderator.wait_for(
        "participant", lambda p: p["id"] == "a" and p["presence"] == "reconnecting"
    )
    assert seen["on_air"] is True
    back = await make_client(node)
    again = await back.join(joined["session_token"])
    assert again["ok"], again
    me = next(p for p in again["snapshot"]["participants"] if p["id"] == "a")
    assert me["on_air"] is True
    assert (await back.call("report", {"rtt_ms": 5}))["ok"]  # a fresh connection, a full bucket


async def test_a_burst_of_refusals_short_of_a_flood_keeps_the_connection(
    strict: Node, make_client: ClientFactory
) -> None:
    node = strict
    await node.open()
    moderator = await make_client(node)
    await moderator.join(node.token("mod", Role.MODERATOR))
    acks = await asyncio.gather(
        *(moderator.call("set_layout", {"layout": "grid"}) for _ in range(15))
    )
    refused = [a for a in acks if not a["ok"]]
    assert refused
    assert {a["error"]["code"] for a in refused} == {"rate_limited"}
    await asyncio.sleep(1.6)  # at 5 a second the refusals' debt is paid, then a token comes
    assert (await moderator.call("set_layout", {"layout": "tribune_auto"}))["ok"]
    assert moderator.sio.connected


FLOODER = """
import asyncio, json, sys, time
import socketio

async def main(url, token, seconds):
    acks, connections, sent = {}, 0, 0
    stop = time.monotonic() + seconds

    def acknowledged(ack):
        code = "ok" if ack["ok"] else ack["error"]["code"]
        acks[code] = acks.get(code, 0) + 1

    while time.monotonic() < stop:
        sio = socketio.AsyncClient(reconnection=False)
        await sio.connect(url, namespaces=["/reception"], transports=["websocket"])
        ack = await sio.call("join", {"token": token}, namespace="/reception", timeout=5)
        token, connections = ack["session_token"], connections + 1
        try:
            while sio.connected and time.monotonic() < stop:
                await sio.emit("report", {}, namespace="/reception", callback=acknowledged)
                sent += 1
                if sent % 20 == 0:
                    await asyncio.sleep(0)  # read the acknowledgements now and then
        except socketio.exceptions.SocketIOError:
            pass  # closed by the node in the middle of a send
        if sio.connected:
            await sio.disconnect()
    print(json.dumps({"sent": sent, "acks": acks, "connections": connections}))

asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
"""
"""A client in a process of its own, sending reports as fast as it can for some seconds,
joining again whenever the node closes it; prints what it sent and what came back."""


async def test_another_reception_keeps_forwarding_and_answering_during_a_flood(
    node: Node, make_client: ClientFactory
) -> None:
    """Default limits. Reception r2 forwards its host to its moderator while in r1 one
    citizen floods from another process, coming back whenever it is closed."""
    await node.open("r1")
    await node.open("r2")
    first = await make_client(node)
    await first.join(node.token("mod", Role.MODERATOR, reception_id="r1"))
    viewer = MediaPeer(await make_client(node), node.settings.rtc)
    speaker = MediaPeer(await make_client(node), node.settings.rtc)
    try:
        await viewer.client.join(node.token("mod", Role.MODERATOR, reception_id="r2"))
        await speaker.client.join(node.token("host", Role.HOST, reception_id="r2"))
        await speaker.publish(luma=120)
        await viewer.subscribe()
        await wait_until(lambda: viewer.frames_of("host") >= 10, timeout=15, message="video")

        async def frame_rate(seconds: float) -> float:
            before = viewer.frames_of("host")
            await asyncio.sleep(seconds)
            return (viewer.frames_of("host") - before) / seconds

        async def command_latencies(seconds: float) -> list[float]:
            latencies = []
            stop = time.monotonic() + seconds
            while time.monotonic() < stop:
                started = time.monotonic()
                ack = await viewer.client.call("set_layout", {"layout": "grid"})
                assert ack["ok"], ack
                latencies.append(time.monotonic() - started)
                await asyncio.sleep(0.1)
            return latencies

        quiet_fps, quiet_latencies = await asyncio.gather(frame_rate(2), command_latencies(2))
        flooder = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            FLOODER,
            node.url,
            node.token("a", reception_id="r1"),
            "4",
            stdout=asyncio.subprocess.PIPE,
        )
        await asyncio.sleep(1)  # the flood is under way
        flood_fps, flood_latencies = await asyncio.gather(frame_rate(2.5), command_latencies(2.5))
        output, _ = await asyncio.wait_for(flooder.communicate(), timeout=20)
        flood = json.loads(output)
        print(
            f"r2 video {quiet_fps:.1f} fps quiet, {flood_fps:.1f} fps flooded; r2 command "
            f"round trip max {max(quiet_latencies) * 1000:.0f} ms quiet, "
            f"{max(flood_latencies) * 1000:.0f} ms flooded; flood {flood}"
        )
        # Each connection did its burst and the rate, no more; then it was closed, came back.
        assert flood["acks"]["ok"] <= flood["connections"] * 100 + 20 * 4
        assert flood["acks"]["rate_limited"] >= 1
        assert flood["connections"] >= 2
        assert flood_fps >= quiet_fps * 0.7
        assert max(flood_latencies) < 0.5
        assert first.sio.connected  # r1's own moderator was never touched
        assert (await first.call("set_layout", {"layout": "grid"}))["ok"]
    finally:
        await viewer.close()
        await speaker.close()
