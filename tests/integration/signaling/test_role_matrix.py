"""Every socket entry point × every conference role: the moderator's commands only for
the moderator, media only for those who send it, and nothing at all before joining."""

from __future__ import annotations

from typing import Any

import pytest

from signaling.protocol import Role
from signaling.protocol.payloads import ClientEvent
from tests.integration.signaling.conftest import Client, ClientFactory, Node
from tests.integration.signaling.test_moderation import COMMANDS, conference

pytestmark = pytest.mark.timeout(60)

PEOPLE = {
    "mod": Role.MODERATOR,
    "host": Role.HOST,
    "a": Role.CITIZEN,
    "b": Role.CITIZEN,
    "obs": Role.OBSERVER,
}
MODERATOR_EVENTS = {event for event, _ in COMMANDS}
"""Refused (`forbidden`) to everyone but the moderator."""
OWN_EVENTS: dict[str, Any] = {
    "leave": None,
    "self_mute": {"kind": "audio", "muted": True},
    "choose_layout": {"layout": "grid"},
    "report": {},
    "subscribe": None,
    "subscribe_answer": {"sdp": "v=0"},
    "publish": {"sdp": "v=0"},
}


def test_the_matrix_covers_every_client_event() -> None:
    covered = MODERATOR_EVENTS | set(OWN_EVENTS) | {ClientEvent.JOIN.value}
    assert covered == {event.value for event in ClientEvent}


@pytest.fixture
async def room(node: Node, make_client: ClientFactory) -> dict[str, Client]:
    await node.open()
    clients = {}
    for user_id, role in PEOPLE.items():
        clients[user_id] = await make_client(node)
        ack = await clients[user_id].join(node.token(user_id, role))
        assert ack["ok"], ack
    return clients


@pytest.mark.parametrize("who", ["host", "a", "obs"])
@pytest.mark.parametrize(("event", "payload"), COMMANDS, ids=[c[0] for c in COMMANDS])
async def test_only_the_moderator_moderates(
    node: Node, room: dict[str, Client], who: str, event: str, payload: Any
) -> None:
    ack = await room[who].call(event, payload) if payload else await room[who].call(event)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "forbidden"
    assert conference(node).moderation.log == []
    assert set(conference(node).room.participants) == set(PEOPLE)


async def test_an_observer_sends_no_media(room: dict[str, Client]) -> None:
    ack = await room["obs"].call("publish", {"sdp": "v=0"})
    assert ack["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("event", "payload"),
    [*COMMANDS, *OWN_EVENTS.items()],
    ids=[c[0] for c in [*COMMANDS, *OWN_EVENTS.items()]],
)
async def test_nothing_before_joining(
    node: Node, make_client: ClientFactory, event: str, payload: Any
) -> None:
    await node.open()
    stranger = await make_client(node)
    ack = await stranger.call(event, payload) if payload is not None else await stranger.call(event)
    assert ack["ok"] is False
    assert ack["error"]["code"] in {"not_joined", "invalid_message"}
    assert node.namespace.registry.get("r1") is None
