"""A real reception on the whole node is recorded and composed: the host and two citizens
publish through aiortc, the moderator gives the floor to one citizen, then to the other
at −20 dB, and ends the reception; the node queues the composition itself and its worker
makes one mp4 whose length, picture and sound follow what happened."""

from __future__ import annotations

import asyncio
import json
import math
from array import array
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import av
import pytest
import socketio
from aiohttp import web

from portal.http.context import SETTINGS
from portal.services.recordings_composed import files_of
from reception.app import JOBS
from recorder.folders import COMPOSED, MANIFEST, TIMELINE, reception_folder
from recorder.timeline import read_timeline
from signaling.protocol import Role
from signaling.protocol.receptions import Reception, ReceptionState
from signaling.server import NAMESPACE
from signaling.setup import SIGNALING
from signaling.tokens import mint_join_token
from tests.helpers import wait_until
from tests.integration.signaling.conftest import Client
from tests.integration.signaling.peers import MediaPeer
from transcoder.jobs import JobState, compose_job_id

pytestmark = pytest.mark.timeout(120)

RID = "rec1"
STRETCH_S = 3.0
LUMA = {"gov": 60, "a": 130, "b": 210}


@pytest.fixture
async def people(
    live_node: tuple[str, web.Application],
) -> AsyncIterator[Callable[[str, Role], Awaitable[tuple[Client, MediaPeer]]]]:
    base, app = live_node
    settings = app[SETTINGS]
    key = settings.secrets.token_key
    assert key is not None
    joined: list[tuple[Client, MediaPeer]] = []

    async def join(user_id: str, role: Role) -> tuple[Client, MediaPeer]:
        sio = socketio.AsyncClient(reconnection=False)
        client = Client(sio)

        async def keep(event: str, data: Any = None) -> None:
            client.events.append((event, data))

        sio.on("*", keep, namespace=NAMESPACE)
        await sio.connect(base, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=5)
        peer = MediaPeer(client, settings.rtc)
        joined.append((client, peer))
        token = mint_join_token(
            key.get_secret_value(), RID, user_id, f"Участник {user_id}", role, 60
        )
        ack = await client.join(token)
        assert ack["ok"], ack
        return client, peer

    yield join
    for client, peer in joined:
        await peer.close()
        if client.sio.connected:
            await client.sio.disconnect()


async def _publish(peer: MediaPeer, luma: int, amplitude: float) -> None:
    await peer.publish(luma)
    assert peer.publisher is not None
    tone = next(s.track for s in peer.publisher.getSenders() if s.track.kind == "audio")
    tone.amplitude = amplitude  # type: ignore[attr-defined]


def _window(events: list[dict[str, Any]], user_id: str, live_at: float) -> tuple[float, float]:
    stretch = [
        e["at"] - live_at for e in events if e["kind"] == "on_air" and e.get("user_id") == user_id
    ]
    assert len(stretch) == 2, stretch
    return stretch[0], stretch[1]


def _rms_db(samples: array[float]) -> float:
    return 20 * math.log10(math.sqrt(sum(x * x for x in samples) / len(samples)) + 1e-9)


def _left_channel(frame: av.AudioFrame) -> array[float]:
    assert frame.format.name == "fltp", frame.format.name  # what FFmpeg's AAC decoder gives
    return array("f", bytes(frame.planes[0]))[: frame.samples]


def _mean_luma(frame: av.VideoFrame) -> float:
    """The mean luma of the top half's middle: the large tile, above the strip."""
    gray = frame.reformat(format="gray")
    plane, width, height = gray.planes[0], gray.width, gray.height
    data = bytes(plane)
    rows = [
        data[y * plane.line_size + width // 4 : y * plane.line_size + 3 * width // 4]
        for y in range(0, height // 2, 4)
    ]
    return sum(sum(row) for row in rows) / sum(len(row) for row in rows)


async def test_a_reception_is_recorded_and_composed(
    live_node: tuple[str, web.Application],
    people: Callable[[str, Role], Awaitable[tuple[Client, MediaPeer]]],
) -> None:
    _, app = live_node
    settings = app[SETTINGS]
    await app[SIGNALING].registry.directory.put(
        Reception(RID, "Прием граждан", ReceptionState.STARTED, "gov", "mod", max_citizens=15)
    )
    moderator, _ = await people("mod", Role.MODERATOR)
    _, host = await people("gov", Role.HOST)
    await _publish(host, LUMA["gov"], amplitude=0.0)  # the host listens in silence
    for citizen in ("a", "b"):
        _, peer = await people(citizen, Role.CITIZEN)
        await _publish(peer, LUMA[citizen], amplitude=0.3)
    router = app[SIGNALING].registry.routers()[0]

    def everyone_sends() -> bool:
        producers = list(router.producers())  # type: ignore[attr-defined]
        video = [p for p in producers if p.kind == "video" and p.frames > 10]
        return len(producers) == 6 and len(video) == 3

    await wait_until(everyone_sends, timeout=15, message="every publisher sends")

    async def command(event: str, data: dict[str, Any]) -> None:
        ack = await moderator.call(event, data)
        assert ack["ok"], ack

    await command("set_floor", {"participant_id": "a", "on_air": True})
    await asyncio.sleep(STRETCH_S)
    await command("set_floor", {"participant_id": "a", "on_air": False})
    await command("set_mic_level", {"participant_id": "b", "gain_db": -20})
    await command("set_floor", {"participant_id": "b", "on_air": True})
    await asyncio.sleep(STRETCH_S)
    await command("set_floor", {"participant_id": "b", "on_air": False})
    await asyncio.sleep(1.0)
    await command("end_conference", {})

    jobs = app[JOBS]

    async def composed() -> bool:
        status = await jobs.status(compose_job_id(RID))
        assert status is None or status.state not in (JobState.FAILED, JobState.CANCELLED), status
        return status is not None and status.state is JobState.DONE

    await wait_until(composed, timeout=90, interval=0.2, message="the composition")

    folder = reception_folder(settings.recordings_dir, RID)
    events = read_timeline(folder / TIMELINE)
    live_at = next(e["at"] for e in events if e["kind"] == "live")
    ended_at = next(e["at"] for e in events if e["kind"] == "ended")
    with av.open(str(folder / COMPOSED / "reception.mp4")) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, audio.codec_context.name) == ("h264", "aac")
        duration = float(container.duration or 0) / av.time_base
        assert abs(duration - (ended_at - live_at)) <= 1.0, (duration, ended_at - live_at)
        sound: array[float] = array("f")
        for frame in container.decode(audio):
            sound.extend(_left_channel(frame))
        rate = audio.codec_context.sample_rate
    levels = {}
    pictures = {}
    for citizen in ("a", "b"):
        start, end = _window(events, citizen, live_at)
        middle = slice(int((start + 0.7) * rate), int((end - 0.3) * rate))
        levels[citizen] = _rms_db(sound[middle])
        pictures[citizen] = (start + end) / 2
    # The moderator's −20 dB for b is in the mix (the same tone at 0 dB for a).
    assert levels["a"] - levels["b"] == pytest.approx(20, abs=1.5), levels
    # The citizen on air is the large picture (the top of the frame, above the strip).
    with av.open(str(folder / COMPOSED / "reception.mp4")) as container:
        for citizen, at in pictures.items():
            container.seek(int(at * av.time_base))
            frame = next(f for f in container.decode(video=0) if (f.time or 0) >= at)
            luma = _mean_luma(frame)
            assert abs(luma - LUMA[citizen]) < 25, (citizen, luma)

    # «Доступные записи» lists what the composer made, as the portal reads its manifest.
    manifest = json.loads((folder / COMPOSED / MANIFEST).read_text())
    listed = files_of(manifest)
    assert [f.name for f in listed if f.kind == "composed"] == ["reception.mp4"]
    assert {f.participant_name for f in listed if f.kind == "participant"} == {
        f"Участник {user}" for user in ("gov", "a", "b")
    }
    assert all((folder / COMPOSED / f.name).stat().st_size == f.size_bytes for f in listed)
