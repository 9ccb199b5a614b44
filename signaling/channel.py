"""How a conference reaches its participants, without knowing about sockets."""

from __future__ import annotations

from typing import Any, Protocol

from signaling.protocol.errors import CloseReason
from signaling.protocol.payloads import ServerEvent


class Channel(Protocol):
    async def send(
        self, reception_id: str, participant_id: str, event: ServerEvent, data: dict[str, Any]
    ) -> None:
        """To one participant's current connection, if it has one."""
        ...

    async def broadcast(self, reception_id: str, event: ServerEvent, data: dict[str, Any]) -> None:
        """To every connection in the reception, on every node."""
        ...

    async def evict(self, reception_id: str, participant_id: str, reason: CloseReason) -> None:
        """Tell the participant's connection why it ends, then close it."""
        ...

    async def announce(self, reception_id: str, state: str) -> None:
        """To clients waiting for the reception to go live (on every node)."""
        ...

    async def reconnect_waiting(self, reception_id: str) -> None:
        """The reception moved to another node: tell the connections waiting on this node
        for it to go live to connect again at once (`closed {reason: "moved"}`), then close
        them, so that the balancer sends them where it is now."""
        ...
