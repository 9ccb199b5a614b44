"""Real offers and Hypothesis strategies that mangle them as a faulty or hostile client would.

`mutated(base)` deletes, duplicates and swaps lines and corrupts the values of the lines
the media stack reads (m=, a=fingerprint, a=ice-ufrag/pwd, a=rtpmap, a=fmtp, a=ssrc, a=mid,
a=setup, ...), a few edits at a time, so most results still look like SDP.

Run as a module to count how publish offers end, as the signaling layer would refuse them:

    .venv/bin/python -m tests.unit.sfu.sdp_mutations --examples 500
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import re
import sys

from hypothesis import strategies as st

from config.settings import RtcSettings

log = logging.getLogger(__name__)

CHROMIUM_OFFER = "\r\n".join(
    [
        "v=0",
        "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0 1",
        "a=extmap-allow-mixed",
        "a=msid-semantic: WMS 6d9b1f3e-5d3c-4b57-a7a1-0a7f2a9c1e42",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
        "c=IN IP4 0.0.0.0",
        "a=rtcp:9 IN IP4 0.0.0.0",
        "a=ice-ufrag:Hq7x",
        "a=ice-pwd:x8Lw2nQbZ1Jk4yT0cV5mF9aD",
        "a=ice-options:trickle",
        "a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:"
        "19:E5:7C:AB:3C:B9:20:A6:F4:9E:A1:28:1C:3F:A7:16",
        "a=setup:actpass",
        "a=mid:0",
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
        "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
        "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
        "a=sendonly",
        "a=msid:6d9b1f3e-5d3c-4b57-a7a1-0a7f2a9c1e42 0c6e1a4e-3b8f-4bb3-9d43-3f4e0a6d5b11",
        "a=rtcp-mux",
        "a=rtcp-rsize",
        "a=rtpmap:111 opus/48000/2",
        "a=rtcp-fb:111 transport-cc",
        "a=fmtp:111 minptime=10;useinbandfec=1",
        "a=rtpmap:63 red/48000/2",
        "a=fmtp:63 111/111",
        "a=rtpmap:9 G722/8000",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:13 CN/8000",
        "a=rtpmap:110 telephone-event/48000",
        "a=rtpmap:126 telephone-event/8000",
        "a=ssrc:2931281472 cname:Yw3Zq0hF9uNxVd2T",
        "a=ssrc:2931281472 msid:6d9b1f3e-5d3c-4b57-a7a1-0a7f2a9c1e42 "
        "0c6e1a4e-3b8f-4bb3-9d43-3f4e0a6d5b11",
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 98 99 45 46 114 115 116",
        "c=IN IP4 0.0.0.0",
        "a=rtcp:9 IN IP4 0.0.0.0",
        "a=ice-ufrag:Hq7x",
        "a=ice-pwd:x8Lw2nQbZ1Jk4yT0cV5mF9aD",
        "a=ice-options:trickle",
        "a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:"
        "19:E5:7C:AB:3C:B9:20:A6:F4:9E:A1:28:1C:3F:A7:16",
        "a=setup:actpass",
        "a=mid:1",
        "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset",
        "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
        "a=extmap:13 urn:3gpp:video-orientation",
        "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
        "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay",
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
        "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
        "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
        "a=sendonly",
        "a=msid:6d9b1f3e-5d3c-4b57-a7a1-0a7f2a9c1e42 b7a0c2a8-62b5-4a8e-8f0e-2c1f6b0e9d77",
        "a=rtcp-mux",
        "a=rtcp-rsize",
        "a=rtpmap:96 VP8/90000",
        "a=rtcp-fb:96 goog-remb",
        "a=rtcp-fb:96 transport-cc",
        "a=rtcp-fb:96 ccm fir",
        "a=rtcp-fb:96 nack",
        "a=rtcp-fb:96 nack pli",
        "a=rtpmap:97 rtx/90000",
        "a=fmtp:97 apt=96",
        "a=rtpmap:102 H264/90000",
        "a=rtcp-fb:102 nack",
        "a=rtcp-fb:102 nack pli",
        "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
        "a=rtpmap:103 rtx/90000",
        "a=fmtp:103 apt=102",
        "a=rtpmap:104 H264/90000",
        "a=rtcp-fb:104 nack pli",
        "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f",
        "a=rtpmap:105 rtx/90000",
        "a=fmtp:105 apt=104",
        "a=rtpmap:106 H264/90000",
        "a=rtcp-fb:106 nack pli",
        "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
        "a=rtpmap:107 rtx/90000",
        "a=fmtp:107 apt=106",
        "a=rtpmap:98 VP9/90000",
        "a=rtcp-fb:98 nack pli",
        "a=fmtp:98 profile-id=0",
        "a=rtpmap:99 rtx/90000",
        "a=fmtp:99 apt=98",
        "a=rtpmap:45 AV1/90000",
        "a=rtcp-fb:45 nack pli",
        "a=rtpmap:46 rtx/90000",
        "a=fmtp:46 apt=45",
        "a=rtpmap:114 red/90000",
        "a=rtpmap:115 rtx/90000",
        "a=fmtp:115 apt=114",
        "a=rtpmap:116 ulpfec/90000",
        "a=ssrc-group:FID 1736453279 3381294823",
        "a=ssrc:1736453279 cname:Yw3Zq0hF9uNxVd2T",
        "a=ssrc:1736453279 msid:6d9b1f3e-5d3c-4b57-a7a1-0a7f2a9c1e42 "
        "b7a0c2a8-62b5-4a8e-8f0e-2c1f6b0e9d77",
        "a=ssrc:3381294823 cname:Yw3Zq0hF9uNxVd2T",
        "a=ssrc:3381294823 msid:6d9b1f3e-5d3c-4b57-a7a1-0a7f2a9c1e42 "
        "b7a0c2a8-62b5-4a8e-8f0e-2c1f6b0e9d77",
        "",
    ]
)
"""What Chromium's conference page offers (audio, then VP8 with RTX among its codecs),
before any candidate is gathered: the page sends its offer at once and trickles nothing."""


async def aiortc_offer() -> str:
    """What an aiortc client offers for one audio and one video track (with candidates)."""
    from sfu.peer import new_peer_connection

    pc = new_peer_connection(LOOPBACK)
    try:
        pc.addTransceiver("audio", direction="sendonly")
        pc.addTransceiver("video", direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        return str(pc.localDescription.sdp)
    finally:
        await pc.close()


LOOPBACK = RtcSettings(host_addresses=["127.0.0.1"])
"""ICE on loopback only, as the tests' settings."""

TARGETED = (
    "m=",
    "c=",
    "a=fingerprint",
    "a=ice-ufrag",
    "a=ice-pwd",
    "a=rtpmap",
    "a=fmtp",
    "a=rtcp-fb",
    "a=ssrc",
    "a=ssrc-group",
    "a=mid",
    "a=msid",
    "a=setup",
    "a=group",
    "a=extmap",
    "a=candidate",
    "a=rtcp",
    "a=sendonly",
    "a=recvonly",
)
"""Lines the media stack reads; corrupting one of them is what the fuzzing is about."""

JUNK = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "256",
            "65536",
            "4294967296",
            "99999999999999999999",
            "x",
            "sha-1",
            "actpass",
            "holdconn",
            "ZZ:ZZ",
            "opus",
            "VP8",
            "rtx",
            "90000",
            "48000/2",
            "apt=",
            "apt=x",
            "packetization-mode",
            ":",
            "/",
            ";",
            "=",
            "  ",
            "\t",
            "é",
            "\x00",
            "UDP/TLS/RTP/SAVPF",
            "application",
            "text",
        ]
    ),
    st.integers(-(2**40), 2**40).map(str),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
)
TOKEN = re.compile(r"[^ :/;=]+|[ :/;=]")
"""A line split into tokens and the delimiters between them (`a`, `=`, `rtpmap`, `:`...)."""


def _corrupt(line: str, op: str, at: int, junk: str) -> str:
    tokens = TOKEN.findall(line)
    if not tokens:
        return junk
    index = at % len(tokens)
    if op == "replace_token":
        tokens[index] = junk
    elif op == "delete_token":
        del tokens[index]
    elif op == "duplicate_token":
        tokens.insert(index, tokens[index])
    elif op == "insert_token":
        tokens.insert(index, junk)
    elif op == "truncate":
        return line[: at % (len(line) + 1)]
    elif op == "drop_value":
        return line.split(":", 1)[0]
    return "".join(tokens)


Edit = tuple[str, int, int, str, str]


def _apply(lines: list[str], edits: list[Edit]) -> list[str]:
    result = list(lines)
    for op, first, second, corruption, junk in edits:
        if not result:
            break
        i, j = first % len(result), second % len(result)
        if op == "delete":
            del result[i]
        elif op == "duplicate":
            result.insert(j, result[i])
        elif op == "swap":
            result[i], result[j] = result[j], result[i]
        else:  # corrupt a line the media stack reads, else any line
            targets = [k for k, line in enumerate(result) if line.startswith(TARGETED)]
            k = targets[first % len(targets)] if targets else i
            result[k] = _corrupt(result[k], corruption, second, junk)
    return result


def mutated(base: str) -> st.SearchStrategy[str]:
    """`base` with one to four line edits; corruption of a read line is the likeliest."""
    lines = base.rstrip("\r\n").split("\r\n")
    edit = st.tuples(
        st.sampled_from(["delete", "duplicate", "swap", "corrupt", "corrupt", "corrupt"]),
        st.integers(0, 10**4),
        st.integers(0, 10**4),
        st.sampled_from(
            [
                "replace_token",
                "replace_token",
                "delete_token",
                "duplicate_token",
                "insert_token",
                "truncate",
                "drop_value",
            ]
        ),
        JUNK,
    )
    return st.builds(
        lambda edits, ending: ending.join(_apply(lines, edits)) + ending,
        st.lists(edit, min_size=1, max_size=4),
        st.sampled_from(["\r\n", "\r\n", "\n"]),
    )


# --- measuring: how do mangled publish offers end? -------------------------------------------


def _ignore(*_: object) -> None:
    pass


async def outcome(sdp: str) -> str:
    """ "answered", or the refusal code the client would get for this publish offer."""
    from sfu import SfuError
    from sfu.publisher import PublisherTransport
    from signaling.protocol import SignalingError
    from signaling.protocol.validation import check_sdp

    try:
        check_sdp(sdp, max_bytes=64 * 1024, max_media_sections=4)
    except SignalingError as error:
        return str(error.code)
    transport = PublisherTransport(LOOPBACK, "fuzz", _ignore, _ignore, _ignore)
    try:
        await transport.accept_offer(sdp)
        result = "answered"
    except SfuError as error:
        result = error.code
    except Exception as exc:  # what `_media_call` turns into media_failed
        result = f"media_failed ({type(exc).__name__})"
        log.debug("%s: %s", result, exc)
    try:
        await transport.close()
    except Exception as exc:  # the offer broke the connection for good
        result += f", then close() failed ({type(exc).__name__})"
    return result


def measure(examples: int, seed: int, strategy: str) -> collections.Counter[str]:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hypothesis_seed

    mangle = mutated
    if strategy == "abuse":  # the signaling abuse test's line edits and plain text
        from tests.integration.signaling.test_abuse_sdp import mangled as mangle
    loop = asyncio.new_event_loop()
    offers = [CHROMIUM_OFFER, loop.run_until_complete(aiortc_offer())]
    counts: collections.Counter[str] = collections.Counter()

    @hypothesis_seed(seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        base = data.draw(st.sampled_from(offers))
        counts[loop.run_until_complete(outcome(data.draw(mangle(base))))] += 1

    run()
    loop.close()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--strategy",
        choices=["mutated", "abuse"],
        default="mutated",
        help="these line mutations, or test_abuse_sdp's mangling",
    )
    parser.add_argument("--verbose", action="store_true", help="print each media_failed")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    log.setLevel(logging.DEBUG if args.verbose else logging.CRITICAL)
    counts = measure(args.examples, args.seed, args.strategy)
    total = sum(counts.values())
    failed = sum(n for code, n in counts.items() if code.startswith("media_failed"))
    for code, n in counts.most_common():
        print(f"{n:5d}  {code}")
    print(f"media_failed: {failed}/{total} = {failed / total:.1%}")
    sys.exit(0)


if __name__ == "__main__":
    main()
