"""Error codes and close reasons on the wire, and the one error type that carries them.

Every refusal a client can see is a `SignalingError`; the namespace turns it into an
acknowledgement `{ok: false, error: {code, message}}` in exactly one place.
"""

from __future__ import annotations

import enum
from typing import Any


class ErrorCode(enum.StrEnum):
    # Join refusals (SPEC §4).
    INVALID_TOKEN = "invalid_token"
    TOKEN_EXPIRED = "token_expired"
    RECEPTION_NOT_LIVE = "reception_not_live"
    MODERATOR_ABSENT = "moderator_absent"
    BANNED = "banned"
    FULL = "full"
    WRONG_NODE = "wrong_node"
    TOKEN_USED = "token_used"
    """The token has joined once already; coming back takes the session token."""
    # Any event.
    INVALID_PAYLOAD = "invalid_payload"
    UNKNOWN_EVENT = "unknown_event"
    NOT_JOINED = "not_joined"
    ALREADY_JOINED = "already_joined"
    FORBIDDEN = "forbidden"
    """The role may not do this."""
    INVALID_STATE = "invalid_state"
    """Not now: the request does not fit the current state (an answer nobody asked for)."""
    NOT_FOUND = "not_found"
    MUTED_BY_MODERATOR = "muted_by_moderator"
    # Limits on what one client may ask of the node (docs/protocol.md, "Limits").
    TOO_MANY_CONNECTIONS = "too_many_connections"
    """Refused at connect: the client's address holds the most connections it may."""
    RATE_LIMITED = "rate_limited"
    """The connection sends events faster than it may; nothing was done."""
    SDP_TOO_LARGE = "sdp_too_large"
    TOO_MANY_MEDIA_SECTIONS = "too_many_media_sections"
    TOO_MANY_TRANSPORTS = "too_many_transports"
    """The participant opened more media connections lately than it may."""
    # The media server's own refusals, with the SFU's codes.
    INVALID_SDP = "invalid_sdp"
    DUPLICATE_TRANSPORT = "duplicate_transport"
    TRANSPORT_CLOSED = "transport_closed"
    ROUTER_CLOSED = "router_closed"
    MEDIA_FAILED = "media_failed"
    """The media server failed in a way it has no code for."""
    INTERNAL = "internal"


class CloseReason(enum.StrEnum):
    """Why the server ended a participant's presence; sent in the `closed` event."""

    LEFT = "left"
    KICKED = "kicked"
    BANNED = "banned"
    RECEPTION_ENDED = "reception_ended"
    REPLACED = "replaced"
    TIMED_OUT = "timed_out"
    MOVED = "moved"
    """The reception moved to another node: connect again at once, the place is kept."""


class SignalingError(Exception):
    """A refusal with a stable code; the message is for people, the code for programs."""

    def __init__(self, code: ErrorCode, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def to_wire(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code.value, "message": self.message}
        error.update(self.details)
        return {"ok": False, "error": error}
