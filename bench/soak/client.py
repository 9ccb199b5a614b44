"""The product's signaling client of bench/sfu, plus what a soak watches: which m-line
carries whom, this participant's own floor, and every way the connection can end."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from bench.sfu.via_reception import NAMESPACE, ReceptionClient

ParticipantHandler = Callable[[dict[str, Any]], None]


class SoakClient(ReceptionClient):
    def __init__(self) -> None:
        super().__init__()
        self.tracks: dict[str, tuple[str, str]] = {}
        """mid -> (participant id, kind), from the latest offer."""
        self.closed: str | None = None
        """The reason of a `closed` event (none is expected before the end)."""
        self.disconnects = 0
        self.presence: Counter[str] = Counter()
        """How often the node said someone was reconnecting or left (participant ids)."""
        self.video_cut = 0
        """`received_video` events that named some video reduced or off."""
        self.ending = False
        self._participant_handlers: list[ParticipantHandler] = []
        self.sio.on("closed", self._on_closed, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self.sio.on("participant", self._on_participant, namespace=NAMESPACE)
        self.sio.on("participant_left", self._on_left, namespace=NAMESPACE)
        self.sio.on("received_video", self._on_received_video, namespace=NAMESPACE)

    def on_participant(self, handler: ParticipantHandler) -> None:
        self._participant_handlers.append(handler)

    async def call(self, event: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        ack = await super().call(event, data)
        if event == "subscribe":
            self._learn(ack.get("tracks") or [])
        return ack

    async def _on_offer(self, offer: dict[str, Any]) -> None:
        self._learn(offer.get("tracks") or [])
        await super()._on_offer(offer)

    def _learn(self, tracks: list[dict[str, str]]) -> None:
        self.tracks = {t["mid"]: (t["participant_id"], t["kind"]) for t in tracks}

    def _on_closed(self, data: dict[str, Any]) -> None:
        if not self.ending:
            self.closed = str(data.get("reason"))

    def _on_disconnect(self, *_: Any) -> None:
        if not self.ending:
            self.disconnects += 1

    def _on_participant(self, data: dict[str, Any]) -> None:
        if data.get("presence") == "reconnecting" and not self.ending:
            self.presence[f"{data['id']} reconnecting"] += 1
        for handler in self._participant_handlers:
            handler(data)

    def _on_left(self, data: dict[str, Any]) -> None:
        if not self.ending:
            self.presence[f"{data['id']} left: {data.get('reason')}"] += 1

    def _on_received_video(self, data: dict[str, Any]) -> None:
        self.video_cut += bool(data.get("reduced") or data.get("off"))

    async def close(self) -> None:
        self.ending = True
        await super().close()
