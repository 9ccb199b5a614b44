"""A dropped participant keeps role, floor and mutes for the grace period."""

from __future__ import annotations

import asyncio

import pytest

from signaling.protocol import Role
from tests.integration.signaling.conftest import GRACE_S, ClientFactory, Node

pytestmark = pytest.mark.timeout(30)


async def test_comes_back_within_grace_with_state_kept(
    node: Node, make_client: ClientFactory
) -> None:
    await node.open()
    moderator, citizen = await make_client(node), await make_client(node)
    await moderator.join(node.token("mod", Role.MODERATOR))
    joined = await citizen.join(node.token("a"))
    await moderator.call("set_floor", {"participant_id": "a", "on_air": True})
    await moderator.call("mute", {"participant_id": "a", "kind": "video", "muted": True})

    await citizen.sio.disconnect()  # a reload or a network change
    seen = await moderator.wait_for(
        "participant", lambda p: p["id"] == "a" and p["presence"] == "reconnecting"
    )
    assert seen["on_air"] is True

    back = await make_client(node)
    ack = await back.join(joined["session_token"])  # the original token may have expired
    assert ack["ok"]
    me = next(p for p in ack["snapshot"]["participants"] if p["id"] == "a")
    assert me["presence"] == "connected"
    assert me["on_air"] is True
    assert me["moderator_muted"]["video"] is True
    assert me["role"] == "citizen"
    await moderator.wait_for(
        "participant", lambda p: p["id"] == "a" and p["presence"] == "connected"
    )
    await asyncio.sleep(GRACE_S * 1.5)  # the cancelled grace timer must not remove them
    assert node.namespace.registry.get("r1").room.get("a") is not None  # type: ignore[union-attr]
    assert moderator.received("participant_left") == []


async def test_gone_after_grace(node: Node, make_client: ClientFactory) -> None:
    await node.open()
    moderator, citizen = await make_client(node), await make_client(node)
    await moderator.join(node.token("mod", Role.MODERATOR))
    await citizen.join(node.token("a"))
    await citizen.sio.disconnect()
    left = await moderator.wait_for("participant_left")
    assert left == {"id": "a", "reason": "timed_out"}
    assert node.namespace.registry.get("r1").room.get("a") is None  # type: ignore[union-attr]


async def test_leave_is_not_a_drop(node: Node, make_client: ClientFactory) -> None:
    await node.open()
    moderator, citizen = await make_client(node), await make_client(node)
    await moderator.join(node.token("mod", Role.MODERATOR))
    await citizen.join(node.token("a"))
    assert await citizen.call("leave") == {"ok": True}
    assert await moderator.wait_for("participant_left") == {"id": "a", "reason": "left"}
    assert citizen.sio.connected
    assert (await citizen.join(node.token("a")))["ok"]


async def test_closing_the_namespace_cancels_its_own_tasks(node: Node) -> None:
    namespace = node.namespace
    pending = namespace._tasks.spawn(asyncio.sleep(60))
    await namespace.close()
    await namespace.close()  # idempotent
    assert pending.cancelled()
