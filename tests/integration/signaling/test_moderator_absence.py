"""Seed 002: citizens enter only while a moderator is there, also after the reception went
live. A moderator who leaves without ending it lets nobody new in until one is back."""

from __future__ import annotations

import pytest

from signaling.protocol import Role
from tests.integration.signaling.conftest import ClientFactory, Node

pytestmark = pytest.mark.timeout(30)


async def test_moderator_leaving_tells_citizens_and_closes_the_door(
    node: Node, make_client: ClientFactory
) -> None:
    await node.open()
    moderator, citizen, late = [await make_client(node) for _ in range(3)]
    assert (await moderator.join(node.token("mod", Role.MODERATOR)))["ok"]
    joined = await citizen.join(node.token("c1"))
    assert joined["snapshot"]["moderator_present"] is True

    assert await moderator.call("leave") == {"ok": True}
    room = await citizen.wait_for("room", lambda r: r["moderator_present"] is False)
    assert room["default_layout"] == "tribune_auto"

    refused = await late.join(node.token("c2"))
    assert refused["ok"] is False
    assert refused["error"]["code"] == "moderator_absent"
    # A citizen already in the room who reloads is not new: they get their place back.
    assert (await citizen.call("leave"))["ok"]
    back = await make_client(node)
    assert (await back.join(node.token("c1")))["error"]["code"] == "moderator_absent"

    again = await make_client(node)
    assert (await again.join(node.token("mod", Role.MODERATOR)))["ok"]
    assert await late.wait_for("reception_state") == {"reception_id": "r1", "state": "live"}
    assert (await late.join(node.token("c2")))["ok"]


async def test_a_reconnecting_citizen_keeps_their_place_while_no_moderator_is_there(
    node: Node, make_client: ClientFactory
) -> None:
    await node.open()
    moderator, citizen = await make_client(node), await make_client(node)
    await moderator.join(node.token("mod", Role.MODERATOR))
    await citizen.join(node.token("c1"))
    await moderator.call("leave")
    await citizen.sio.disconnect()  # a reload: the place is kept for the grace period
    returning = await make_client(node)
    assert (await returning.join(node.token("c1")))["ok"]
