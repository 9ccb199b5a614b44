"""A subscriber's answer is checked before aiortc applies it: a mangled one is `invalid_sdp`
(a fresh offer falls due), never an exception from inside aiortc, and the listeners that
answered properly keep their media."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest
from aiortc import RTCSessionDescription
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from config import Settings
from sfu import InvalidDescription, Negotiation, Router, SubscriberTransport
from sfu.peer import new_peer_connection
from tests.helpers import wait_until
from tests.integration.sfu.peers import Clients, ClientSubscriber, change
from tests.unit.sfu.sdp_mutations import mutated

pytestmark = pytest.mark.timeout(60)


@dataclass
class Stage:
    router: Router
    watcher: ClientSubscriber
    answer: str
    """A real client's answer to an offer of the speaker's two tracks."""
    names: itertools.count[int]

    async def subscriber(self) -> SubscriberTransport:
        transport = await self.router.add_subscriber(f"s{next(self.names)}")
        await transport.create_offer()
        return transport

    async def still_forwarding(self) -> None:
        before = self.watcher.frames_of("speaker", "video")
        await wait_until(
            lambda: self.watcher.frames_of("speaker", "video") >= before + 10,
            timeout=10,
            message="the watcher's frames",
        )


async def real_answer(settings: Settings, offer: str) -> str:
    pc = new_peer_connection(settings.rtc)
    try:
        await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        return str(pc.localDescription.sdp)
    finally:
        await pc.close()


@pytest.fixture
async def stage(settings: Settings, router: Router, clients: Clients) -> Stage:
    await clients.publisher("speaker")
    change(router, "speaker", on_air=True)
    watcher = await clients.subscriber("watcher")
    await wait_until(lambda: watcher.frames_of("speaker", "video") >= 3, timeout=15)
    first = await router.add_subscriber("first")
    offer = await first.create_offer()
    answer = await real_answer(settings, offer.sdp)
    await first.accept_answer(answer)
    return Stage(router, watcher, answer, itertools.count())


def negotiation(transport: SubscriberTransport) -> Negotiation:
    return transport.negotiation


def edit(sdp: str, old: str, new: str) -> str:
    assert old in sdp, old
    return sdp.replace(old, new)


async def test_answers_aiortc_tripped_over_are_refused_by_name(stage: Stage) -> None:
    answer = stage.answer
    broken = {
        # no codec of the offer: aiortc's OperationError, media_failed before
        "has no codec the server offered": edit(answer, "VP8/90000", "VP9/90000"),
        # a sendrecv answer to a sendonly offer would start a receiver on the server
        "is sendrecv; the offer was sendonly": edit(answer, "a=recvonly", "a=sendrecv"),
        "must say a=setup:active or passive": edit(answer, "a=setup:active", "a=setup:actpass"),
        "do not match the offer's (audio 0, video 1)": edit(answer, "a=mid:1", "a=mid:2"),
        "malformed a=fingerprint line": edit(answer, "a=fingerprint:sha-256 ", "a=fingerprint:"),
        "must begin with the first section's mid": edit(answer, "BUNDLE 0 1", "BUNDLE 1 0"),
    }
    for message, sdp in broken.items():
        transport = await stage.subscriber()
        with pytest.raises(InvalidDescription) as caught:
            await transport.accept_answer(sdp)
        assert message in str(caught.value)
        assert transport.negotiation is Negotiation.OFFER_DUE
        await transport.create_offer()  # the fresh offer, answered properly this time
        await transport.accept_answer(answer)
        assert negotiation(transport) is Negotiation.STABLE
    await stage.still_forwarding()


@given(data=st.data())
@settings(
    max_examples=150,
    derandomize=True,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
async def test_mutated_answers_are_accepted_or_invalid_sdp(
    stage: Stage, data: st.DataObject
) -> None:
    """Each mutated answer goes to a new subscriber: it is accepted or refused as
    `invalid_sdp` (nothing else escapes), and after a refusal the fresh offer takes the
    real answer."""
    transport = await stage.subscriber()
    message = None
    try:
        await transport.accept_answer(data.draw(mutated(stage.answer), label="answer"))
    except InvalidDescription as refused:
        message = str(refused)
    event("accepted" if message is None else "invalid_sdp")
    if message is not None:
        assert 0 < len(message) < 200
        assert transport.negotiation is Negotiation.OFFER_DUE
        await transport.create_offer()
        await transport.accept_answer(stage.answer)
    await stage.router.remove_participant(transport.participant_id)
    if next(stage.names) % 50 == 0:
        await stage.still_forwarding()
