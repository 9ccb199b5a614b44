"""Named SFU errors; the signaling layer turns their `code` into a wire error."""

from __future__ import annotations


class SfuError(Exception):
    """A media failure with no more specific name."""

    code = "media_failed"


class RouterClosed(SfuError):
    code = "router_closed"


class TransportClosed(SfuError):
    code = "transport_closed"


class DuplicateTransport(SfuError):
    code = "duplicate_transport"


class InvalidDescription(SfuError):
    """The SDP given by a client cannot be applied (bad syntax, no usable codec, wrong state)."""

    code = "invalid_sdp"


class InvalidState(SfuError):
    """A request the object's current state does not allow (an answer nobody asked for)."""

    code = "invalid_state"
