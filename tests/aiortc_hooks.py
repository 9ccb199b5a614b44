"""aiortc internals only tests use: induced loss without touching the network.

Kept out of sfu/aiortc_bridge.py, which holds what the product needs; the pins in
tests/unit/sfu/test_aiortc_bridge.py cover these too.
"""

from __future__ import annotations

from collections.abc import Callable

from aiortc import RTCDtlsTransport


def filter_rtp(dtls: RTCDtlsTransport, keep: Callable[[bytes], bool]) -> None:
    """Drop decrypted RTP for which `keep` is false before whoever handles it now."""
    handle = dtls._handle_rtp_data

    async def _handle_rtp_data(data: bytes, arrival_time_ms: int) -> None:
        if keep(data):
            await handle(data, arrival_time_ms)

    dtls._handle_rtp_data = _handle_rtp_data  # type: ignore[method-assign]


def filter_sent_rtp(dtls: RTCDtlsTransport, keep: Callable[[bytes], bool]) -> None:
    """Drop plain RTP/RTCP this transport would send when `keep` is false."""
    send = dtls._send_rtp

    async def _send_rtp(data: bytes) -> None:
        if keep(data):
            await send(data)

    dtls._send_rtp = _send_rtp  # type: ignore[method-assign]
