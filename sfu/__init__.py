"""Selective forwarding unit on aiortc: forwards encoded media, never transcodes it."""

from sfu.errors import (
    DuplicateTransport,
    InvalidDescription,
    RouterClosed,
    SfuError,
    TransportClosed,
)
from sfu.publisher import PublisherTransport
from sfu.router import Router, gain_linear
from sfu.subscriber import SubscriberTransport
from sfu.types import MediaKind, SubscriberOffer, TrackInfo

__all__ = [
    "DuplicateTransport",
    "InvalidDescription",
    "MediaKind",
    "PublisherTransport",
    "Router",
    "RouterClosed",
    "SfuError",
    "SubscriberOffer",
    "SubscriberTransport",
    "TrackInfo",
    "TransportClosed",
    "gain_linear",
]
