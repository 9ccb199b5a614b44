"""A participant who publishes: the host (always on air) or a citizen (sending only while
the moderator gives it the floor, told by its own `participant` event as the page is),
and who receives like everyone else."""

from __future__ import annotations

import asyncio
from typing import Any

from aiortc import RTCSessionDescription

from bench.sfu.keyframes import KeyframeGate
from bench.sfu.listeners import rtc_settings
from bench.sfu.media import BenchMedia
from bench.sfu.publisher import on_keyframe_request
from bench.sfu.signals import Target
from bench.soak.clock import FrameIndex
from bench.soak.receiver import Receiver
from bench.soak.tracks import ClockedAudio, ClockedVideo, Lateness, OnAir
from sfu.peer import new_peer_connection
from signaling.protocol.roles import Role

CONNECT_TIMEOUT_S = 30
KEYFRAME_INTERVAL_S = 0.5


class Performer(Receiver):
    def __init__(
        self,
        target: Target,
        name: str,
        role: Role,
        index: FrameIndex,
        media: BenchMedia,
        lateness: Lateness,
    ) -> None:
        super().__init__(target, name, role, index)
        self.on_air = OnAir(role is Role.HOST)
        self.gate = KeyframeGate(KEYFRAME_INTERVAL_S)
        self.sending = new_peer_connection(rtc_settings(target))
        self.sending.addTrack(ClockedAudio(media, self.on_air))
        video = self.sending.addTrack(ClockedVideo(media, self.gate, self.on_air, lateness))
        on_keyframe_request(video, self.gate.request)
        self.sending.on("connectionstatechange", self._on_sending_state)

    def _on_sending_state(self) -> None:
        if self.sending.connectionState in ("failed", "closed") and self.start is not None:
            self.bad_states.append(f"publisher {self.sending.connectionState}")

    def _on_participant(self, data: dict[str, Any]) -> None:
        if data.get("id") == self.name and self.role is not Role.HOST:
            self.on_air.set(bool(data.get("on_air")))

    async def publish(self) -> None:
        """Join and publish; the citizen's tracks wait for the floor."""
        client = await self.join()
        client.on_participant(self._on_participant)
        connected = asyncio.Event()

        @self.sending.on("connectionstatechange")
        def _connected() -> None:
            if self.sending.connectionState == "connected":
                connected.set()

        await self.sending.setLocalDescription(await self.sending.createOffer())
        answer = await client.publish(self.sending.localDescription.sdp)
        await self.sending.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        await asyncio.wait_for(connected.wait(), CONNECT_TIMEOUT_S)

    async def close(self) -> None:
        await self.sending.close()
        await super().close()
