"""Signaling timings, passed in by the application (tests shorten them)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field

from config.settings import SignalingSettings


def _default_node_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def stable_node_id(port: int) -> str:
    """Host name and port: unique among the nodes of a host (each listens on its own port)
    and the same after a restart, so a node that crashed takes its receptions straight back
    (their claims carry this name) instead of refusing them until the claims expire."""
    return f"{socket.gethostname()}-{port}"


@dataclass(frozen=True, slots=True)
class SignalingOptions:
    reconnect_grace_s: float = 30.0
    """How long a dropped participant keeps its place, floor and mutes."""
    session_ttl_s: float = 8 * 3600
    """Lifetime of the token handed out on join, used to come back after a reload."""
    node_id: str = field(default_factory=_default_node_id)
    """This node's name in the reception -> node map."""
    claim_ttl_s: float = 30.0
    """How long a node's claim on a reception outlives the node (renewed every third of it)."""
    handover_after_s: float = 30.0
    """A node hands a reception over to the node the balancer sends its participants to
    only once it has hosted it this long, so balancers that disagree cannot bounce it."""


def options_from(settings: SignalingSettings, port: int) -> SignalingOptions:
    """`port`: the one the node listens on, for its default name."""
    return SignalingOptions(
        reconnect_grace_s=settings.reconnect_grace_s,
        session_ttl_s=settings.session_ttl_s,
        node_id=settings.node_id or stable_node_id(port),
        claim_ttl_s=settings.claim_ttl_s,
        handover_after_s=settings.handover_after_s,
    )
