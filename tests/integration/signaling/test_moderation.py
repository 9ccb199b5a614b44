"""The moderator service over socket.io: every command, seen from the other side."""

from __future__ import annotations

from typing import Any

import pytest

from signaling.protocol import Role
from signaling.protocol.receptions import ReceptionState
from tests.integration.signaling.conftest import Client, ClientFactory, Node

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
async def room(node: Node, make_client: ClientFactory) -> dict[str, Client]:
    await node.open()
    people = {"mod": Role.MODERATOR, "host": Role.HOST, "a": Role.CITIZEN, "b": Role.CITIZEN}
    clients = {}
    for user_id, role in people.items():
        clients[user_id] = await make_client(node)
        ack = await clients[user_id].join(node.token(user_id, role), browser="Test 1.0")
        assert ack["ok"], ack
    return clients


def conference(node: Node) -> Any:
    found = node.namespace.registry.get("r1")
    assert found is not None
    return found


async def test_floor_is_given_and_taken(node: Node, room: dict[str, Client]) -> None:
    assert await room["mod"].call("set_floor", {"participant_id": "a", "on_air": True}) == {
        "ok": True
    }
    await room["b"].wait_for("participant", lambda p: p["id"] == "a" and p["on_air"])
    await room["mod"].call("set_floor", {"participant_id": "a", "on_air": False})
    await room["b"].wait_for("participant", lambda p: p["id"] == "a" and not p["on_air"])
    log = [(r.actor_id, r.action, r.target_id) for r in conference(node).moderation.log]
    assert log == [("mod", "set_floor", "a"), ("mod", "set_floor", "a")]


async def test_mute_cannot_be_undone_by_the_participant(room: dict[str, Client]) -> None:
    await room["mod"].call("mute", {"participant_id": "a", "kind": "audio", "muted": True})
    record = await room["b"].wait_for("participant", lambda p: p["id"] == "a")
    assert record["moderator_muted"] == {"audio": True, "video": False}
    refused = await room["a"].call("self_mute", {"kind": "audio", "muted": False})
    assert refused["error"]["code"] == "muted_by_moderator"
    assert (await room["a"].call("self_mute", {"kind": "video", "muted": True}))["ok"]
    await room["b"].wait_for("participant", lambda p: p["id"] == "a" and p["self_muted"]["video"])
    await room["mod"].call("mute", {"participant_id": "a", "kind": "audio", "muted": False})
    assert (await room["a"].call("self_mute", {"kind": "audio", "muted": False}))["ok"]


async def test_level_hold_bandwidth_layout(node: Node, room: dict[str, Client]) -> None:
    mod = room["mod"]
    assert (await mod.call("set_mic_level", {"participant_id": "a", "gain_db": -12}))["ok"]
    assert (await mod.call("hold", {"participant_id": "a", "held": True}))["ok"]
    assert (await mod.call("limit_bandwidth", {"participant_id": "a", "kbps": 256}))["ok"]
    record = await room["a"].wait_for(
        "participant", lambda p: p["id"] == "a" and p["bandwidth_kbps"] == 256
    )
    assert (record["gain_db"], record["held"]) == (-12, True)
    assert (await mod.call("set_layout", {"layout": "grid"}))["ok"]
    room_event = await room["b"].wait_for("room")
    assert room_event["default_layout"] == "grid"
    late = await room["b"].call("choose_layout", {"layout": "single_speaker"})
    assert late == {"ok": True}
    assert conference(node).room.get("b").layout.value == "single_speaker"


async def test_disconnect_lets_the_participant_come_back(
    node: Node, room: dict[str, Client], make_client: ClientFactory
) -> None:
    assert (await room["mod"].call("disconnect_participant", {"participant_id": "a"}))["ok"]
    assert await room["a"].wait_for("closed") == {"reason": "kicked"}
    await room["b"].wait_for("participant_left", lambda p: p["id"] == "a")
    again = await make_client(node)
    assert (await again.join(node.token("a")))["ok"]


async def test_preview_and_tech_info(node: Node, room: dict[str, Client]) -> None:
    mod = room["mod"]
    report = {"candidate_type": "host", "rtt_ms": 12.5, "loss_pct": 0.0, "width": 640}
    assert (await room["a"].call("report", report))["ok"]
    await mod.wait_for("participant", lambda p: p["id"] == "a" and p["quality"] == "good")
    assert await mod.call("preview", {"participant_id": "a"}) == {
        "ok": True,
        "participant_id": "a",
    }
    assert conference(node).room.previews == {"mod": "a"}
    info = await mod.call("tech_info", {"participant_id": "a"})
    assert info["ok"]
    assert info["info"]["browser"] == "Test 1.0"
    assert info["info"]["client"]["rtt_ms"] == 12.5
    assert info["info"]["client"]["candidate_type"] == "host"
    await mod.call("preview", {"participant_id": None})
    assert conference(node).room.previews == {"mod": None}


async def test_end_conference_for_everyone(
    node: Node, room: dict[str, Client], make_client: ClientFactory
) -> None:
    assert await room["mod"].call("end_conference") == {"ok": True, "ended": True}
    for client in room.values():
        assert await client.wait_for("closed") == {"reason": "reception_ended"}
    assert (await node.directory.get("r1")).state is ReceptionState.ENDED  # type: ignore[union-attr]
    assert node.namespace.registry.get("r1") is None
    late = await make_client(node)
    assert (await late.join(node.token("a")))["error"]["code"] == "reception_not_live"


COMMANDS = [
    ("set_floor", {"participant_id": "b", "on_air": True}),
    ("set_mic_level", {"participant_id": "b", "gain_db": -10}),
    ("disconnect_participant", {"participant_id": "b"}),
    ("remove_participant", {"participant_id": "b"}),
    ("hold", {"participant_id": "b", "held": True}),
    ("limit_bandwidth", {"participant_id": "b", "kbps": 64}),
    ("mute", {"participant_id": "host", "kind": "audio", "muted": True}),
    ("set_layout", {"layout": "grid"}),
    ("preview", {"participant_id": "b"}),
    ("tech_info", {"participant_id": "b"}),
    ("end_conference", None),
]


@pytest.mark.parametrize(("event", "payload"), COMMANDS, ids=[c[0] for c in COMMANDS])
async def test_citizen_is_refused_every_moderator_event_and_nothing_changes(
    node: Node, room: dict[str, Client], event: str, payload: Any
) -> None:
    before = {pid: p.public() for pid, p in conference(node).room.participants.items()}
    ack = await room["a"].call(event, payload) if payload else await room["a"].call(event)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "forbidden"
    after = {pid: p.public() for pid, p in conference(node).room.participants.items()}
    assert after == before
    assert conference(node).room.default_layout.value == "tribune_auto"
    assert conference(node).moderation.log == []
    assert not await node.directory.is_banned("r1", "b")
    assert room["b"].received("closed") == []
