"""H.264 frames from RTP payloads (RFC 6184: single NAL unit, STAP-A, FU-A), as Annex B.

A key frame is one with an IDR slice; it is given with the latest SPS and PPS in front
(a sender may have sent them once, earlier), so that any key frame can start a file.
"""

from __future__ import annotations

from recorder.track_log import Packet

START_CODE = b"\x00\x00\x00\x01"
IDR = 5
SPS = 7
PPS = 8
STAP_A = 24
FU_A = 28


def nal_units(run: list[Packet]) -> list[bytes] | None:
    """The NAL units of one frame (consecutive packets of one timestamp), or None if a
    fragment is missing, the frame does not start at its beginning or end at the marker."""
    units: list[bytes] = []
    fragment: bytearray | None = None
    for packet in run:
        payload = packet.payload
        if not payload:
            return None
        kind = payload[0] & 0x1F
        if kind == FU_A:
            if len(payload) < 2:
                return None
            start, end = payload[1] & 0x80, payload[1] & 0x40
            if start:
                if fragment is not None:
                    return None
                fragment = bytearray(((payload[0] & 0xE0) | (payload[1] & 0x1F),))
            elif fragment is None:
                return None
            fragment += payload[2:]
            if end:
                units.append(bytes(fragment))
                fragment = None
            continue
        if fragment is not None:
            return None
        if kind == STAP_A:
            pos = 1
            while pos + 2 <= len(payload):
                size = int.from_bytes(payload[pos : pos + 2], "big")
                pos += 2
                if size == 0 or pos + size > len(payload):
                    return None
                units.append(payload[pos : pos + size])
                pos += size
        elif 1 <= kind <= 23:
            units.append(payload)
        else:
            return None
    if fragment is not None or not run[-1].marker or not units:
        return None
    return units


class H264Assembler:
    """Keeps the parameter sets seen so far and makes Annex B access units."""

    def __init__(self) -> None:
        self.sps: bytes | None = None
        self.pps: bytes | None = None

    def frame(self, units: list[bytes]) -> tuple[bytes, bool] | None:
        """(Annex B access unit, key frame); None for a key frame with no SPS/PPS known
        (it could not be decoded)."""
        keyframe = False
        for unit in units:
            kind = unit[0] & 0x1F
            if kind == SPS:
                self.sps = unit
            elif kind == PPS:
                self.pps = unit
            elif kind == IDR:
                keyframe = True
        if keyframe:
            if self.sps is None or self.pps is None:
                return None
            kinds = {unit[0] & 0x1F for unit in units}
            if SPS not in kinds or PPS not in kinds:
                units = [self.sps, self.pps, *(u for u in units if u[0] & 0x1F not in (SPS, PPS))]
        return b"".join(START_CODE + unit for unit in units), keyframe

    def extradata(self) -> bytes:
        """SPS and PPS in Annex B: the muxers turn this into the avcC record."""
        if self.sps is None or self.pps is None:
            return b""
        return START_CODE + self.sps + START_CODE + self.pps
