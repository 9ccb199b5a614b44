"""WebRtcTransport: one aiortc RTCPeerConnection of one participant, in one role."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable

from aiortc import RTCPeerConnection

from config.settings import RtcSettings
from sfu.errors import TransportClosed
from sfu.peer import new_peer_connection
from sfu.types import Role

log = logging.getLogger(__name__)

ConnectionStateListener = Callable[[str, Role, str], None]


class WebRtcTransport(ABC):
    """Owns the peer connection; its router calls `tick()` once a second; `close()` is
    idempotent."""

    role: Role

    def __init__(
        self, settings: RtcSettings, participant_id: str, on_state: ConnectionStateListener
    ) -> None:
        self.participant_id = participant_id
        self.pc: RTCPeerConnection = new_peer_connection(settings)
        self.closed = False
        self._on_state = on_state
        self._log = logging.LoggerAdapter(
            log, {"participant": participant_id, "role": self.role.value}
        )

        @self.pc.on("connectionstatechange")
        def _state_changed() -> None:
            state = self.pc.connectionState
            if state == "closed" and not self.closed:
                # The remote side ended DTLS (a browser's pc.close()) and aiortc closed the
                # connection by itself: for the room this is a lost media path, as a failure.
                self._log.info("connection closed by the remote side")
                state = "failed"
            self._log.info("connection %s", state)
            self._on_state(self.participant_id, self.role, state)

    @property
    def connection_state(self) -> str:
        return str(self.pc.connectionState)

    def _ensure_open(self) -> None:
        if self.closed:
            raise TransportClosed(f"{self.role.value} transport of {self.participant_id} is closed")

    @abstractmethod
    def tick(self) -> None:
        """Once a second: reports, bitrates, caps."""

    @abstractmethod
    def _close_media(self) -> None:
        """Stop producers or consumers and unhook them from aiortc."""

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._close_media()
        await self.pc.close()
