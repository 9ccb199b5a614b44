"""Selective forwarding unit on aiortc: forwards encoded media, never transcodes it."""

from sfu.errors import (
    DuplicateTransport,
    InvalidDescription,
    InvalidState,
    RouterClosed,
    SfuError,
    TransportClosed,
)
from sfu.publisher import PublisherTransport
from sfu.router import Router
from sfu.subscriber import Negotiation, SubscriberTransport
from sfu.types import ForwardingState, MediaKind, ReceivedVideo, SubscriberOffer, TrackInfo

__all__ = [
    "DuplicateTransport",
    "ForwardingState",
    "InvalidDescription",
    "InvalidState",
    "MediaKind",
    "Negotiation",
    "PublisherTransport",
    "ReceivedVideo",
    "Router",
    "RouterClosed",
    "SfuError",
    "SubscriberOffer",
    "SubscriberTransport",
    "TrackInfo",
    "TransportClosed",
]
