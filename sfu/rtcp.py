"""RTCP the SFU writes (feedback upstream, reports downstream), built with aiortc's codecs."""

from __future__ import annotations

import time

from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTCP_PSFB_FIR,
    RTCP_PSFB_PLI,
    RTCP_RTPFB_NACK,
    AnyRtcpPacket,
    RtcpByePacket,
    RtcpPsfbPacket,
    RtcpReceiverInfo,
    RtcpRrPacket,
    RtcpRtpfbPacket,
    RtcpSenderInfo,
    RtcpSrPacket,
    pack_remb_fci,
    unpack_remb_fci,
)

NTP_EPOCH_OFFSET = 2208988800

__all__ = [
    "AnyRtcpPacket",
    "RtcpByePacket",
    "RtcpPsfbPacket",
    "RtcpRrPacket",
    "RtcpRtpfbPacket",
    "RtcpSrPacket",
    "is_keyframe_request",
    "is_nack",
    "nack",
    "ntp_now",
    "pli",
    "receiver_report",
    "remb",
    "remb_bitrate",
    "sender_report",
]


def ntp_now() -> int:
    """The current time as a 64-bit NTP timestamp."""
    return int((time.time() + NTP_EPOCH_OFFSET) * (1 << 32))


def ntp_middle(ntp: int) -> int:
    """The middle 32 bits, as echoed in a receiver report's LSR field."""
    return (ntp >> 16) & 0xFFFFFFFF


def pli(sender_ssrc: int, media_ssrc: int) -> bytes:
    return bytes(RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=sender_ssrc, media_ssrc=media_ssrc))


def nack(sender_ssrc: int, media_ssrc: int, lost: list[int]) -> bytes:
    packet = RtcpRtpfbPacket(fmt=RTCP_RTPFB_NACK, ssrc=sender_ssrc, media_ssrc=media_ssrc)
    packet.lost = sorted(lost)
    return bytes(packet)


def remb(sender_ssrc: int, bitrate_bps: int, media_ssrcs: list[int]) -> bytes:
    fci = pack_remb_fci(bitrate_bps, media_ssrcs)
    return bytes(RtcpPsfbPacket(fmt=RTCP_PSFB_APP, ssrc=sender_ssrc, media_ssrc=0, fci=fci))


def remb_bitrate(packet: RtcpPsfbPacket) -> int | None:
    try:
        return unpack_remb_fci(packet.fci)[0]
    except ValueError:
        return None


def sender_report(ssrc: int, ntp: int, rtp_ts: int, packets: int, octets: int) -> bytes:
    info = RtcpSenderInfo(
        ntp_timestamp=ntp,
        rtp_timestamp=rtp_ts & 0xFFFFFFFF,
        packet_count=packets & 0xFFFFFFFF,
        octet_count=octets & 0xFFFFFFFF,
    )
    return bytes(RtcpSrPacket(ssrc=ssrc, sender_info=info))


def receiver_report(
    sender_ssrc: int,
    media_ssrc: int,
    fraction_lost: int,
    lost: int,
    highest_seq: int,
    jitter: int,
    lsr: int,
    dlsr: int,
) -> bytes:
    info = RtcpReceiverInfo(
        ssrc=media_ssrc,
        fraction_lost=fraction_lost,
        packets_lost=min(lost, 0x7FFFFF),
        highest_sequence=highest_seq & 0xFFFFFFFF,
        jitter=jitter & 0xFFFFFFFF,
        lsr=lsr,
        dlsr=dlsr,
    )
    return bytes(RtcpRrPacket(ssrc=sender_ssrc, reports=[info]))


def is_keyframe_request(packet: AnyRtcpPacket) -> bool:
    return isinstance(packet, RtcpPsfbPacket) and packet.fmt in (RTCP_PSFB_PLI, RTCP_PSFB_FIR)


def is_nack(packet: AnyRtcpPacket) -> bool:
    return isinstance(packet, RtcpRtpfbPacket) and packet.fmt == RTCP_RTPFB_NACK


def is_remb(packet: AnyRtcpPacket) -> bool:
    return isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP
