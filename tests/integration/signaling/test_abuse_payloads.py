"""Hypothesis sends every event, known or not, with any JSON a client can put on the wire
(and the wrong number of arguments), as a citizen and as the moderator: each gets a
well-formed acknowledgement with a documented code, never `internal`, and the reception
goes on serving."""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from config import Settings
from signaling.options import SignalingOptions
from signaling.protocol import ClientEvent, ErrorCode, Layout, MediaKind, Role
from signaling.protocol.payloads import (
    BandwidthLimit,
    ClientReport,
    Empty,
    FloorChange,
    HoldChange,
    JoinRequest,
    LayoutChoice,
    MicLevel,
    ModeratorMute,
    PreviewChoice,
    SelfMute,
    SessionDescription,
    Target,
)
from tests.integration.signaling.conftest import GRACE_S, Client, ClientFactory, Node, start_node

pytestmark = pytest.mark.timeout(90)

CODES = {code.value for code in ErrorCode} - {ErrorCode.INTERNAL.value}
IDS = st.sampled_from(["a", "b", "mod", "host", "", "ghost", "a" * 65])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    IDS,
    st.sampled_from([k.value for k in MediaKind] + [x.value for x in Layout]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=12,
)
SHAPES: dict[str, type[Any]] = {
    ClientEvent.JOIN: JoinRequest,
    ClientEvent.LEAVE: Empty,
    ClientEvent.PUBLISH: SessionDescription,
    ClientEvent.SUBSCRIBE: Empty,
    ClientEvent.SUBSCRIBE_ANSWER: SessionDescription,
    ClientEvent.SELF_MUTE: SelfMute,
    ClientEvent.CHOOSE_LAYOUT: LayoutChoice,
    ClientEvent.REPORT: ClientReport,
    ClientEvent.SET_FLOOR: FloorChange,
    ClientEvent.SET_MIC_LEVEL: MicLevel,
    ClientEvent.DISCONNECT: Target,
    ClientEvent.REMOVE: Target,
    ClientEvent.HOLD: HoldChange,
    ClientEvent.LIMIT_BANDWIDTH: BandwidthLimit,
    ClientEvent.MUTE: ModeratorMute,
    ClientEvent.SET_LAYOUT: LayoutChoice,
    ClientEvent.PREVIEW: PreviewChoice,
    ClientEvent.TECH_INFO: Target,
    ClientEvent.END_CONFERENCE: Empty,
}
"""Each event's payload type, so most payloads come close to valid and reach the handler."""


def mostly(usual: st.SearchStrategy[Any], *rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`usual` six times in seven, else one of `rare` (`one_of` weighs its branches alike,
    and takes a branch given twice as one)."""
    return st.integers(0, 6).flatmap(lambda i: usual if i < 6 else st.one_of(*rare))


def plausible(hint: Any) -> st.SearchStrategy[Any]:
    """Values of a field's type, edges included."""
    options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    if options:  # X | None
        return st.one_of(st.none(), plausible(options[0]))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return st.sampled_from([member.value for member in hint])
    if hint is bool:
        return st.booleans()
    if hint is str:
        return st.one_of(IDS, st.text(max_size=40), st.sampled_from(["v=0\r\n", "x" * 300]))
    return st.one_of(
        st.integers(-100, 30_000), st.floats(-1e9, 1e9), st.sampled_from([0, 64, 20, -20])
    )


def payloads(shape: type[Any]) -> st.SearchStrategy[Any]:
    """Mostly the shape's own fields (each required one present) with values of their types,
    sometimes a stray key, sometimes anything at all."""
    hints = typing.get_type_hints(shape)
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for f in dataclasses.fields(shape):
        values = mostly(plausible(hints[f.name]), SCALARS)
        has_default = f.default is not dataclasses.MISSING
        (optional if has_default else required)[f.name] = values
    close = st.fixed_dictionaries(required, optional=optional)
    extra = st.builds(lambda d, k, v: {**d, k: v}, close, st.text(max_size=8), SCALARS)
    return mostly(close, extra, JSON)


EVENTS = st.sampled_from(
    [*list(SHAPES) * 6, "connect", "disconnect", "message", "", "join ", "JOIN", "nope"]
)
"""Known events six times in seven."""
STAYING = EVENTS.filter(lambda name: name not in ("end_conference", "leave"))


def arguments(name: str) -> st.SearchStrategy[tuple[Any, ...]]:
    payload = payloads(SHAPES[name]) if name in SHAPES else JSON
    return mostly(
        payload.map(lambda one: (one,)),
        st.just(()),
        st.lists(JSON, min_size=2, max_size=3).map(tuple),
    )


@dataclass
class Room:
    node: Node
    make_client: ClientFactory
    moderator: Client
    citizen: Client
    examples: int = 0


@pytest.fixture
async def fuzz_node(make_settings: Callable[..., Settings]) -> AsyncIterator[Node]:
    """A node whose event limit lets Hypothesis send as fast as it likes."""
    settings = make_settings(**{"signaling.limits.events_per_second": 10_000})
    node = await start_node(settings, SignalingOptions(reconnect_grace_s=GRACE_S, node_id="n1"))
    yield node
    await node.runner.cleanup()


@pytest.fixture
async def room(fuzz_node: Node, make_client: ClientFactory) -> Room:
    node = fuzz_node
    await node.open()
    moderator, citizen, other = [await make_client(node) for _ in range(3)]
    assert (await moderator.join(node.token("mod", Role.MODERATOR)))["ok"]
    assert (await citizen.join(node.token("a")))["ok"]
    assert (await other.join(node.token("b")))["ok"]
    return Room(node, make_client, moderator, citizen)


async def answered_by_name(room: Room, client: Client, name: str, args: tuple[Any, ...]) -> None:
    ack = await client.raw(name, *args)
    assert isinstance(ack, dict), ack
    assert isinstance(ack.get("ok"), bool), ack
    if not ack["ok"]:
        assert ack["error"]["code"] in CODES, ack
        assert isinstance(ack["error"]["message"], str)
        assert len(ack["error"]["message"]) < 300
    event("ok" if ack["ok"] else ack["error"]["code"])  # --hypothesis-show-statistics
    room.examples += 1
    if room.examples % 40 == 0:  # the room still works: a newcomer joins, the moderator sees
        newcomer_id = f"n{room.examples}"
        newcomer = await room.make_client(room.node)
        assert (await newcomer.join(room.node.token(newcomer_id)))["ok"]
        await room.moderator.wait_for("participant", lambda p: p["id"] == newcomer_id)


FUZZ = settings(
    max_examples=250,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(data=st.data())
async def test_a_citizen_sending_anything_gets_a_named_answer(
    room: Room, data: st.DataObject
) -> None:
    """Everything but leaving, which would end the fuzzing (ending is the moderator's)."""
    name = data.draw(STAYING, label="event")
    await answered_by_name(room, room.citizen, name, data.draw(arguments(name), label="args"))


@FUZZ
@given(data=st.data())
async def test_the_moderator_sending_anything_gets_a_named_answer(
    room: Room, data: st.DataObject
) -> None:
    """Everything but ending the reception or leaving it, which would end the fuzzing."""
    name = data.draw(STAYING, label="event")
    await answered_by_name(room, room.moderator, name, data.draw(arguments(name), label="args"))
