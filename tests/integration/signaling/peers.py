"""aiortc client peers that negotiate through the /reception namespace, as a browser does:
a publisher connection (the client offers) and a subscriber connection (the server offers)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription

from config.settings import RtcSettings
from sfu.peer import new_peer_connection
from tests.integration.sfu.peers import PatternTrack, ReceivedTrack, ToneTrack
from tests.integration.signaling.conftest import Client


class MediaPeer:
    def __init__(self, client: Client, settings: RtcSettings) -> None:
        self.client = client
        self._settings = settings
        self.publisher: RTCPeerConnection | None = None
        self.subscriber: RTCPeerConnection | None = None
        self.tracks: dict[str, ReceivedTrack] = {}
        self.owners: dict[str, str] = {}
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        client.sio.on("subscriber_offer", self._on_offer, namespace="/reception")

    async def publish(self, luma: int) -> None:
        pc = self.publisher = new_peer_connection(self._settings)
        pc.addTrack(ToneTrack())
        pc.addTrack(PatternTrack(luma))
        await pc.setLocalDescription(await pc.createOffer())
        ack = await self.client.call("publish", {"sdp": pc.localDescription.sdp})
        assert ack["ok"], ack
        await pc.setRemoteDescription(RTCSessionDescription(ack["sdp"], "answer"))

    async def subscribe(self) -> None:
        pc = self.subscriber = new_peer_connection(self._settings)
        pc.on("track", self._on_track)
        ack = await self.client.call("subscribe")
        assert ack["ok"], ack
        if ack["sdp"] is not None:  # else the offer comes as an event once someone publishes
            await self._answer(ack)

    async def _on_offer(self, offer: dict[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._answer(offer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, offer: dict[str, Any]) -> None:
        assert self.subscriber is not None
        async with self._lock:
            self.owners.update({t["mid"]: t["participant_id"] for t in offer["tracks"]})
            await self.subscriber.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
            await self.subscriber.setLocalDescription(await self.subscriber.createAnswer())
            ack = await self.client.call(
                "subscribe_answer", {"sdp": self.subscriber.localDescription.sdp}
            )
            assert ack["ok"], ack

    def _on_track(self, track: MediaStreamTrack) -> None:
        assert self.subscriber is not None
        mid = next(t.mid for t in self.subscriber.getTransceivers() if t.receiver.track is track)
        received = self.tracks[str(mid)] = ReceivedTrack(track.kind)
        task = asyncio.get_running_loop().create_task(received.consume(track))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def frames_of(self, publisher_id: str, kind: str = "video") -> int:
        return sum(
            track.frames
            for mid, track in self.tracks.items()
            if self.owners.get(mid) == publisher_id and track.kind == kind
        )

    def luma_of(self, publisher_id: str) -> int | None:
        """The luma of the publisher's most recently received video frame."""
        latest = max(
            (
                track
                for mid, track in self.tracks.items()
                if self.owners.get(mid) == publisher_id and track.kind == "video" and track.frames
            ),
            key=lambda track: track.last_at,
            default=None,
        )
        return None if latest is None else latest.luma

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for pc in (self.publisher, self.subscriber):
            if pc is not None:
                await pc.close()
