"""An aiortc citizen, run as its own process inside the lab's citizen namespace.

It joins with the token it is given, takes the ICE servers from the join's acknowledgement
(the relay with its own credential, by the URL for the transport asked for, udp, tcp or
tls: aiortc uses one TURN URL; SSL_CERT_FILE names the certificates it trusts),
publishes, subscribes, and once the publisher's video arrives prints one JSON line: how long
that took and which candidates its connections selected; then it goes on publishing until
it is stopped. It starts on a line on its standard input, so that its imports (seconds)
can go on while the test gets the reception ready.

    python -m tests.integration.network.citizen URL TOKEN ADDRESS TRANSPORT PUBLISHER
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import socketio
from aiortc import RTCPeerConnection

from config.settings import IceServer, RtcSettings
from signaling.server import NAMESPACE
from tests.helpers import wait_until
from tests.integration.signaling.conftest import Client
from tests.integration.signaling.peers import MediaPeer


def selected_pair(pc: RTCPeerConnection) -> dict[str, Any]:
    """The nominated candidate pair of a connection's one (bundled) transport, from aioice.

    `leg` is how this side reaches its relay: aioice's TURN client protocol over UDP, TCP,
    or TCP with TLS.
    """
    ice = pc.getTransceivers()[0].sender.transport.transport
    pair = ice._connection._nominated[1]
    inner = getattr(pair.protocol.transport, "_TurnTransport__inner_protocol", None)
    leg = None
    if inner is not None:
        leg = "tcp" if "Tcp" in type(inner).__name__ else "udp"
        if inner.transport.get_extra_info("ssl_object") is not None:
            leg = "tls"
    return {
        "local_type": pair.local_candidate.type,
        "local_address": pair.local_candidate.host,
        "remote_type": pair.remote_candidate.type,
        "remote_address": pair.remote_candidate.host,
        "relay_leg": leg,
    }


def relay_only(servers: list[dict[str, Any]], transport: str) -> list[IceServer]:
    def wanted(url: str) -> bool:
        if transport == "tls":
            return url.startswith("turns:")
        return url.startswith("turn:") and url.endswith(f"transport={transport}")

    return [
        IceServer(
            urls=[url for url in server["urls"] if wanted(url)],
            username=server["username"],
            credential=server["credential"],
        )
        for server in servers
        if any(wanted(url) for url in server["urls"])
    ]


async def run(url: str, token: str, address: str, transport: str, publisher: str) -> None:
    await asyncio.to_thread(sys.stdin.readline)
    started = time.monotonic()
    sio = socketio.AsyncClient(reconnection=False)
    await sio.connect(url, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=10)
    client = Client(sio)
    ack = await client.join(token)
    assert ack["ok"], ack
    joined = time.monotonic()
    rtc = RtcSettings(
        ice_servers=relay_only(ack["ice_servers"], transport), host_addresses=[address]
    )
    peer = MediaPeer(client, rtc)
    await peer.publish(luma=60)
    await peer.subscribe()
    assert peer.publisher is not None
    assert peer.subscriber is not None
    await wait_until(lambda: peer.frames_of(publisher) > 3, timeout=30, message="video")
    print(
        json.dumps(
            {
                "turn_username": rtc.ice_servers[0].username,
                "join_s": joined - started,
                "video_s": time.monotonic() - started,
                "publisher": selected_pair(peer.publisher),
                "subscriber": selected_pair(peer.subscriber),
            }
        ),
        flush=True,
    )
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(run(*sys.argv[1:6]))
