"""A node killed with SIGKILL mid-reception leaves a recording that plays up to at most
the last second before the kill: the real `reception run` in its own process (with Redis,
as in production), a moderator and the host over socket.io, the host (always on air)
publishing through aiortc, then SIGKILL."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import av
import pytest
import socketio

from config.settings import Settings
from recorder.folders import TIMELINE, TRACKS, reception_folder
from recorder.remux import remux_track
from recorder.timeline import read_timeline
from recorder.track_log import read_track
from signaling.directory import RedisDirectory
from signaling.protocol import Role
from signaling.protocol.receptions import Reception, ReceptionState
from signaling.server import NAMESPACE
from signaling.tokens import mint_join_token
from tests.helpers import wait_until
from tests.integration.signaling.conftest import Client
from tests.integration.signaling.peers import MediaPeer
from tests.node_process import LocalNode, free_port, node_config

pytestmark = [pytest.mark.redis, pytest.mark.timeout(90)]

ON_AIR_S = 4.0


@pytest.fixture
async def node(tmp_path: Path, redis_url: str) -> AsyncIterator[LocalNode]:
    config = tmp_path / "reception.yaml"
    settings = node_config(
        config, free_port(), data_dir=str(tmp_path / "data"), redis={"url": redis_url}
    )
    started = LocalNode(settings, config, tmp_path / "node.log")
    try:
        await started.ready()
        yield started
    finally:
        started.stop()


async def _connect(url: str) -> Client:
    sio = socketio.AsyncClient(reconnection=False)
    client = Client(sio)

    async def keep(event: str, data: object = None) -> None:
        client.events.append((event, data))

    sio.on("*", keep, namespace=NAMESPACE)
    await sio.connect(url, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=5)
    return client


def _token(settings: Settings, reception_id: str, user_id: str, role: Role) -> str:
    key = settings.secrets.token_key
    assert key is not None
    return mint_join_token(
        key.get_secret_value(), reception_id, user_id, f"Name {user_id}", role, 60
    )


async def test_what_was_recorded_before_a_sigkill_plays(node: LocalNode, redis_url: str) -> None:
    rid = f"kill{os.getpid()}"
    directory = RedisDirectory(redis_url, claim_ttl_s=30)
    await directory.put(Reception(rid, "Прием", ReceptionState.STARTED, "gov", "mod"))
    moderator = await _connect(node.url)
    host = await _connect(node.url)
    peer = MediaPeer(host, node.settings.rtc)
    try:
        assert (await moderator.join(_token(node.settings, rid, "mod", Role.MODERATOR)))["ok"]
        assert (await host.join(_token(node.settings, rid, "gov", Role.HOST)))["ok"]
        await peer.publish(luma=180)
        folder = reception_folder(node.settings.recordings_dir, rid)
        await wait_until(
            lambda: len(list((folder / TRACKS).glob("*.track"))) == 2, timeout=10, message="tracks"
        )
        on_air_at = time.time()  # the host is on air from the start
        await asyncio.sleep(ON_AIR_S)
        killed_at = time.time()
        node.kill()
    finally:
        await peer.close()
        for client in (moderator, host):
            if client.sio.connected:
                await client.sio.disconnect()
        await directory.close()

    kinds = {}
    for path in (folder / TRACKS).glob("*.track"):
        header, packets = read_track(path)
        kinds[header.kind] = (path, packets)
    assert set(kinds) == {"audio", "video"}
    for kind, (path, packets) in kinds.items():
        assert packets, f"no {kind} packet reached the disk"
        last = max(p.arrival for p in packets)
        assert killed_at - last <= 1.0, f"{kind}: lost {killed_at - last:.2f} s before the kill"
        out = path.with_suffix(".webm")
        report = remux_track(path, out)
        with av.open(str(out)) as container:
            stream = container.streams[0]
            duration = float(container.duration or 0) / av.time_base
            decoded = sum(1 for _ in container.decode(stream))
        assert decoded == report.frames_written > 0
        assert duration >= (killed_at - on_air_at) - 1.0, (kind, duration)
    timeline = [event["kind"] for event in read_timeline(folder / TIMELINE)]
    assert timeline[:1] == ["joined"]
    assert "live" in timeline
