"""The /reception namespace. Joining live receptions is built on the SFU (see docs/protocol.md)."""

from __future__ import annotations

from typing import Any

import socketio

from signaling.server import NAMESPACE


class ReceptionNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """Until a room registry is wired in, no reception is live on this node."""

    def __init__(self) -> None:
        super().__init__(NAMESPACE)

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        raise socketio.exceptions.ConnectionRefusedError(
            {"code": "reception_not_live", "message": "no reception is live on this node"}
        )
