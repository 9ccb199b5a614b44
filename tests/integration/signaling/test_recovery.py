"""The room outlives its node's process through Redis: a node that takes a reception after
another let it go restores the room, gives a returning participant its place back, and
lets one who never returns go after the grace period. (The SIGKILL of a real node is in
tests/integration/reception/test_node_restart.py.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from config import Settings
from signaling.options import SignalingOptions
from signaling.protocol import Role
from tests.integration.signaling.conftest import GRACE_S, ClientFactory, start_node

pytestmark = [pytest.mark.redis, pytest.mark.timeout(30)]


async def test_the_next_node_restores_the_room(
    redis_url: str, make_settings: Callable[..., Settings], make_client: ClientFactory
) -> None:
    settings = make_settings(**{"redis.url": redis_url})
    # Long enough a grace that the first node keeps everyone while it shuts down.
    first = await start_node(settings, SignalingOptions(reconnect_grace_s=30, node_id="a"))
    try:
        await first.open()
        moderator, staying, leaving = (
            await make_client(first),
            await make_client(first),
            await make_client(first),
        )
        assert (await moderator.join(first.token("mod", Role.MODERATOR)))["ok"]
        session = (await staying.join(first.token("a")))["session_token"]
        assert (await leaving.join(first.token("b")))["ok"]
        for event, payload in (
            ("set_floor", {"participant_id": "a", "on_air": True}),
            ("mute", {"participant_id": "a", "kind": "video", "muted": True}),
            ("hold", {"participant_id": "b", "held": True}),
            ("set_layout", {"layout": "single_speaker"}),
        ):
            assert (await moderator.call(event, payload))["ok"], event
        assert (await staying.call("choose_layout", {"layout": "grid"}))["ok"]
    finally:
        for client in (moderator, staying, leaving):
            await client.sio.disconnect()
        await first.runner.cleanup()  # lets the reception go, the kept room stays

    second = await start_node(settings, SignalingOptions(reconnect_grace_s=GRACE_S, node_id="b"))
    back = await make_client(second)
    try:
        ack = await back.join(session)
        assert ack["ok"], ack
        snapshot = ack["snapshot"]
        people = {p["id"]: p for p in snapshot["participants"]}
        assert set(people) == {"mod", "a", "b"}
        assert people["a"]["presence"] == "connected"
        assert people["a"]["on_air"] is True
        assert people["a"]["moderator_muted"] == {"audio": False, "video": True}
        assert people["b"]["held"] is True
        assert people["mod"]["presence"] == "reconnecting"
        assert snapshot["default_layout"] == "single_speaker"
        assert snapshot["layout"] == "grid"
        assert snapshot["moderator_present"] is True  # kept while the moderator may return

        # Nobody else comes back: after the grace period the others are gone.
        await back.wait_for("participant_left", lambda left: left["id"] == "b")
        assert {"id": "b", "reason": "timed_out"} in back.received("participant_left")
    finally:
        if back.sio.connected:
            await back.sio.disconnect()
        await second.runner.cleanup()
