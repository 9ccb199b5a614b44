"""Hostile input gets error acknowledgements and leaves the node serving everyone else."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from signaling.protocol import Role
from tests.helpers import wait_until
from tests.integration.signaling.conftest import ClientFactory, Node

pytestmark = pytest.mark.timeout(30)

MEGABYTE = "x" * (1024 * 1024)

BAD: list[tuple[str, tuple[Any, ...], str]] = [
    ("no_such_event", ({"a": 1},), "unknown_event"),
    ("disconnect", ("spoofed",), "unknown_event"),
    ("connect", ({},), "unknown_event"),
    ("join", (), "invalid_payload"),
    ("join", ({"token": 12},), "invalid_payload"),
    ("join", ({"token": MEGABYTE},), "invalid_payload"),
    ("join", ("just a string",), "invalid_payload"),
    ("join", ([1, 2, 3],), "invalid_payload"),
    ("join", ({"token": "t"}, "second argument"), "invalid_payload"),
    ("join", ({"token": "t", "admin": True},), "invalid_payload"),
    ("set_floor", ({"participant_id": "a", "on_air": "yes"},), "invalid_payload"),
    ("set_mic_level", ({"participant_id": "a", "gain_db": 1e308},), "invalid_payload"),
    ("mute", ({"participant_id": "a", "kind": "smell", "muted": True},), "invalid_payload"),
    ("publish", ({"sdp": MEGABYTE},), "invalid_payload"),
    ("hold", ({"participant_id": MEGABYTE, "held": True},), "invalid_payload"),
    ("limit_bandwidth", ({"participant_id": "a", "kbps": "fast"},), "invalid_payload"),
]


async def test_every_bad_message_is_answered_and_the_node_stays_healthy(
    node: Node, make_client: ClientFactory
) -> None:
    await node.open()
    moderator, attacker = await make_client(node), await make_client(node)
    assert (await moderator.join(node.token("mod", Role.MODERATOR)))["ok"]
    for event, args, expected in BAD:
        ack = await attacker.raw(event, *args)
        assert ack["ok"] is False, (event, ack)
        assert ack["error"]["code"] == expected, (event, ack)
        assert len(ack["error"]["message"]) < 300
    assert attacker.sio.connected

    # The same bad input from a joined participant changes nothing either.
    assert (await attacker.join(node.token("a")))["ok"]
    for event, args, _expected in BAD[10:]:
        assert (await attacker.raw(event, *args))["ok"] is False
    conference = node.namespace.registry.get("r1")
    assert conference is not None
    assert conference.room.get("a").public()["on_air"] is False  # type: ignore[union-attr]

    # Not joined yet: every participant event says so.
    fresh = await make_client(node)
    assert (await fresh.call("self_mute", {"kind": "audio", "muted": True}))["error"][
        "code"
    ] == "not_joined"

    # The node still serves: a new participant joins and is seen by the moderator.
    late = await make_client(node)
    assert (await late.join(node.token("b")))["ok"]
    await moderator.wait_for("participant", lambda p: p["id"] == "b")
    assert (await moderator.call("set_floor", {"participant_id": "b", "on_air": True}))["ok"]


async def test_events_of_one_connection_are_handled_in_order(
    node: Node, make_client: ClientFactory
) -> None:
    """Fire many toggles without waiting: the last one sent is the state that stays."""
    await node.open()
    moderator, citizen = await make_client(node), await make_client(node)
    await moderator.join(node.token("mod", Role.MODERATOR))
    await citizen.join(node.token("a"))
    calls = [
        moderator.call("set_floor", {"participant_id": "a", "on_air": i % 2 == 0})
        for i in range(41)
    ]
    acks = await asyncio.gather(*calls)
    assert all(ack["ok"] for ack in acks)
    conference = node.namespace.registry.get("r1")
    assert conference is not None
    log = [r.detail["on_air"] for r in conference.moderation.log]
    assert log == [i % 2 == 0 for i in range(41)]
    assert conference.room.get("a").on_air is True  # type: ignore[union-attr]


async def test_oversize_message_closes_only_that_connection(
    node: Node, make_client: ClientFactory
) -> None:
    await node.open()
    moderator, attacker = await make_client(node), await make_client(node)
    await moderator.join(node.token("mod", Role.MODERATOR))
    await attacker.sio.emit("join", {"token": "x" * (3 * 1024 * 1024)}, namespace="/reception")

    await wait_until(lambda: not attacker.sio.connected, timeout=5, message="attacker closed")
    assert moderator.sio.connected
    assert (await moderator.call("set_layout", {"layout": "grid"}))["ok"]
    newcomer = await make_client(node)
    assert (await newcomer.join(node.token("b")))["ok"]


async def test_wrong_state_and_refused_sdp_have_their_own_codes(
    node: Node, make_client: ClientFactory
) -> None:
    await node.open()
    moderator, citizen = await make_client(node), await make_client(node)
    assert (await moderator.join(node.token("mod", Role.MODERATOR)))["ok"]
    assert (await citizen.join(node.token("a")))["ok"]

    def code(ack: dict[str, Any]) -> str:
        assert ack["ok"] is False, ack
        assert len(ack["error"]["message"]) < 300
        return str(ack["error"]["code"])

    # The SFU's own refusal reaches the client under its own code, not as media_failed.
    assert code(await citizen.call("publish", {"sdp": "v=0\r\nnot an offer\r\n"})) == "invalid_sdp"
    assert code(await citizen.call("subscribe_answer", {"sdp": "v=0\r\n"})) == "invalid_state"
    assert (await citizen.call("subscribe"))["ok"]  # nothing published yet: no offer made
    assert code(await citizen.call("subscribe_answer", {"sdp": "v=0\r\n"})) == "invalid_state"
    assert citizen.sio.connected
