"""SDP limits and transports per participant, and Hypothesis feeding mangled offers and
answers through the real handlers to a real SFU: every one gets a named refusal or an
answer, none an internal error and none `media_failed` (what is wrong with a client's SDP is
`invalid_sdp`), and the reception's media flows on."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiortc import RTCSessionDescription
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from config import Settings
from sfu.peer import new_peer_connection
from signaling.options import SignalingOptions
from signaling.protocol import ErrorCode, Role
from tests.helpers import wait_until
from tests.integration.signaling.conftest import GRACE_S, Client, ClientFactory, Node, start_node
from tests.integration.signaling.peers import MediaPeer
from tests.unit.sfu.sdp_mutations import mutated

pytestmark = pytest.mark.timeout(90)

REFUSED_SDP = {
    ErrorCode.INVALID_SDP,
    ErrorCode.INVALID_STATE,
    ErrorCode.SDP_TOO_LARGE,
    ErrorCode.TOO_MANY_MEDIA_SECTIONS,
}
"""What a mangled offer or answer may get: never `internal`, never `media_failed`."""
ATTRIBUTES = [
    "mid", "rtpmap", "fmtp", "rtcp-fb", "extmap", "ssrc", "ssrc-group", "group", "msid",
    "ice-ufrag", "ice-pwd", "ice-options", "fingerprint", "setup", "candidate", "rtcp",
    "rtcp-mux", "sendonly", "recvonly", "sendrecv", "inactive", "simulcast", "rid",
    "end-of-candidates", "sctp-port", "max-message-size", "msid-semantic",
]  # fmt: skip
JUNK = st.one_of(
    st.text(max_size=40),
    st.integers(-(2**64), 2**64).map(str),
    st.sampled_from(
        ["", " ", "0", "-1", "65536", "a:b:c", "\x00", "UDP/TLS/RTP/SAVPF", "sha-256 ZZ"]
    ),
)
LINE = st.one_of(
    st.builds("{}={}".format, st.sampled_from("vosctmabiuekrz"), JUNK),
    st.builds("a={}:{}".format, st.sampled_from(ATTRIBUTES), JUNK),
    st.builds("a={}".format, st.sampled_from(ATTRIBUTES)),
    st.builds(
        "m={} {} {} {}".format,
        st.sampled_from(["audio", "video", "application", "text", ""]),
        st.sampled_from(["9", "0", "-1", "99999999", "x"]),
        st.sampled_from(["UDP/TLS/RTP/SAVPF", "RTP/AVP", "UDP/DTLS/SCTP", ""]),
        st.sampled_from(["111", "96 97", "webrtc-datachannel", "", "300"]),
    ),
)


def mangled(base: str) -> st.SearchStrategy[str]:
    """A real description with lines deleted, replaced, inserted or repeated, in either line
    ending; now and then plain text."""
    lines = base.rstrip("\r\n").split("\r\n")
    edit = st.tuples(
        st.sampled_from(["delete", "replace", "insert", "repeat"]), st.integers(0, 10**4), LINE
    )

    def apply(edits: list[tuple[str, int, str]], ending: str) -> str:
        result = list(lines)
        for op, index, line in edits:
            at = index % (len(result) + 1)
            if op == "insert" or not result:
                result.insert(at, line)
            elif op == "delete":
                del result[at % len(result)]
            elif op == "replace":
                result[at % len(result)] = line
            else:
                result.insert(at, result[at % len(result)])
        return ending.join(result) + ending

    return st.one_of(
        st.builds(apply, st.lists(edit, min_size=1, max_size=8), st.sampled_from(["\r\n", "\n"])),
        st.text(max_size=500),
    )


@dataclass
class Stage:
    """r1 with its moderator receiving the host, and a citizen who fuzzes."""

    node: Node
    moderator: MediaPeer
    host: MediaPeer
    citizen: Client
    offer: str
    """A real publisher offer, to mangle."""
    examples: int = 0

    async def check_every(self, examples: int) -> None:
        """Every so many examples, the host's video still reaches the moderator."""
        self.examples += 1
        if self.examples % examples == 0:
            await still_forwarding(self)


async def real_offer(node: Node) -> str:
    pc = new_peer_connection(node.settings.rtc)
    pc.addTransceiver("audio", direction="sendonly")
    pc.addTransceiver("video", direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    sdp = str(pc.localDescription.sdp)
    await pc.close()
    return sdp


@pytest.fixture
async def fuzz_node(make_settings: Callable[..., Settings]) -> AsyncIterator[Node]:
    """A node whose event limit lets Hypothesis send as fast as it likes."""
    settings = make_settings(**{"signaling.limits.events_per_second": 10_000})
    node = await start_node(settings, SignalingOptions(reconnect_grace_s=GRACE_S, node_id="n1"))
    yield node
    await node.runner.cleanup()


@pytest.fixture
async def stage(fuzz_node: Node, make_client: ClientFactory) -> AsyncIterator[Stage]:
    node = fuzz_node
    await node.open()
    moderator = MediaPeer(await make_client(node), node.settings.rtc)
    host = MediaPeer(await make_client(node), node.settings.rtc)
    try:
        assert (await moderator.client.join(node.token("mod", Role.MODERATOR)))["ok"]
        assert (await host.client.join(node.token("host", Role.HOST)))["ok"]
        await host.publish(luma=90)
        await moderator.subscribe()
        await wait_until(lambda: moderator.frames_of("host") >= 3, timeout=15, message="video")
        citizen = await make_client(node)
        assert (await citizen.join(node.token("a")))["ok"]
        yield Stage(node, moderator, host, citizen, await real_offer(node))
    finally:
        await moderator.close()
        await host.close()


async def still_forwarding(stage: Stage) -> None:
    before = stage.moderator.frames_of("host")
    await wait_until(
        lambda: stage.moderator.frames_of("host") >= before + 10, timeout=10, message="frames"
    )


def refusal(ack: dict[str, Any]) -> str:
    assert ack["ok"] is False, ack
    assert len(ack["error"]["message"]) < 300
    return str(ack["error"]["code"])


async def publishes_for_real(stage: Stage) -> None:
    """The refused citizen's real offer afterwards gets its video on air."""
    peer = MediaPeer(stage.citizen, stage.node.settings.rtc)
    try:
        await peer.publish(luma=30)
        await stage.moderator.client.call("set_floor", {"participant_id": "a", "on_air": True})
        await wait_until(lambda: stage.moderator.frames_of("a") >= 3, timeout=15, message="a")
    finally:
        await peer.close()


async def test_sdp_size_and_m_lines_are_refused_by_name(stage: Stage) -> None:
    citizen, offer = stage.citizen, stage.offer
    padded = offer + "a=x-padding:" + "x" * (128 * 1024) + "\r\n"
    assert refusal(await citizen.call("publish", {"sdp": padded})) == "sdp_too_large"
    body, _, _ = offer.partition("m=")
    sections = ["m=" + s for s in offer.split("m=")[1:]]
    five = body + "".join((sections * 3)[:5])
    assert refusal(await citizen.call("publish", {"sdp": five})) == "too_many_media_sections"
    # Nothing was opened: the citizen publishes for real afterwards.
    await publishes_for_real(stage)

    # An answer mirrors the node's offer: one with more m-lines than allowed is refused.
    many = "v=0\r\n" + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" * 129
    ack = await stage.moderator.client.call("subscribe_answer", {"sdp": many})
    assert refusal(ack) == "too_many_media_sections"
    counter = stage.node.namespace.refusals._counter
    assert counter.labels("sdp_too_large")._value.get() == 1
    assert counter.labels("too_many_media_sections")._value.get() == 2
    await still_forwarding(stage)


async def test_offers_aiortc_tripped_over_are_invalid_sdp_and_a_good_one_follows(
    stage: Stage,
) -> None:
    """Offers aiortc used to raise on half-way (TypeError, StopIteration, a BUNDLE group
    that closed the connection's ICE transport) were `media_failed`; they are `invalid_sdp`
    with a reason, and the same participant's real offer afterwards gets its media on air."""
    citizen, offer = stage.citizen, stage.offer
    broken = {
        "a=fmtp for payload type 93": offer.replace("a=fmtp:98 apt=97", "a=fmtp:93 apt=97"),
        "must begin with the first section's mid": offer.replace("BUNDLE 0 1", "BUNDLE 1 0"),
        "has no a=setup": offer.replace("a=setup:actpass\r\n", ""),
        "has no direction": offer.replace("a=sendonly\r\n", ""),
        "only audio and video": offer.replace("m=video", "m=text"),
    }
    for message, sdp in broken.items():
        ack = await citizen.call("publish", {"sdp": sdp})
        assert refusal(ack) == "invalid_sdp", ack
        assert message in ack["error"]["message"]
    await publishes_for_real(stage)
    await still_forwarding(stage)


@pytest.fixture
async def narrow(make_settings: Callable[..., Settings]) -> AsyncIterator[Node]:
    """Four transports a minute per participant: two joins' worth."""
    settings = make_settings(**{"signaling.limits.transports_per_minute": 4})
    node = await start_node(settings, SignalingOptions(reconnect_grace_s=5, node_id="n1"))
    yield node
    await node.runner.cleanup()


async def test_transports_per_participant_outlast_reconnects(
    narrow: Node, make_client: ClientFactory
) -> None:
    node = narrow
    await node.open()
    moderator = await make_client(node)
    await moderator.join(node.token("mod", Role.MODERATOR))
    offer = await real_offer(node)
    token = node.token("a")
    for _ in range(2):  # two joins, each opening a publisher and a subscriber
        client = await make_client(node)
        joined = await client.join(token)
        token = joined["session_token"]
        assert (await client.call("publish", {"sdp": offer}))["ok"]
        assert (await client.call("subscribe"))["ok"]
        assert (await client.call("subscribe"))["ok"]  # the same subscriber again
        await client.sio.disconnect()
    third = await make_client(node)
    assert (await third.join(token))["ok"]
    assert refusal(await third.call("publish", {"sdp": offer})) == "too_many_transports"
    assert refusal(await third.call("subscribe")) == "too_many_transports"
    assert third.sio.connected
    # Someone else is not held back by a's reconnects.
    other = await make_client(node)
    await other.join(node.token("b"))
    assert (await other.call("publish", {"sdp": offer}))["ok"]


@given(data=st.data())
@settings(
    max_examples=120,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
async def test_mangled_offers_are_refused_by_name_and_media_flows_on(
    stage: Stage, data: st.DataObject
) -> None:
    sdp = data.draw(st.one_of(mangled(stage.offer), mutated(stage.offer)), label="offer")
    ack = await stage.citizen.call("publish", {"sdp": sdp})
    event("answered" if ack["ok"] else ack["error"]["code"])  # --hypothesis-show-statistics
    if not ack["ok"]:
        assert ack["error"]["code"] in REFUSED_SDP, ack
    assert stage.citizen.sio.connected
    await stage.check_every(30)


@given(data=st.data())
@settings(
    max_examples=80,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
async def test_mangled_answers_are_refused_by_name_and_media_flows_on(
    stage: Stage, data: st.DataObject
) -> None:
    """The citizen subscribes (the host publishes, so an offer comes) and answers with a
    mangled version of a real answer; a refused answer brings a fresh offer."""
    citizen = stage.citizen
    offers = citizen.received("subscriber_offer")
    ack = await citizen.call("subscribe")
    offer = ack["sdp"] if ack["ok"] else (offers[-1]["sdp"] if offers else None)
    if offer is None:
        return
    pc = new_peer_connection(stage.node.settings.rtc)
    try:
        await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        answer = str(pc.localDescription.sdp)
    finally:
        await pc.close()
    sdp = data.draw(st.one_of(mangled(answer), mutated(answer)), label="answer")
    ack = await citizen.call("subscribe_answer", {"sdp": sdp})
    event("accepted" if ack["ok"] else ack["error"]["code"])  # --hypothesis-show-statistics
    if not ack["ok"]:
        assert ack["error"]["code"] in REFUSED_SDP, ack
    assert citizen.sio.connected
    await stage.check_every(20)
