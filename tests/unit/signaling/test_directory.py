"""Reception states move only along SPEC §4's arrows; nodes claim receptions exclusively."""

from __future__ import annotations

import pytest

from signaling.directory import InMemoryDirectory
from signaling.protocol.receptions import Reception, ReceptionState, StateError


async def test_states_move_forward_only() -> None:
    directory = InMemoryDirectory()
    await directory.put(Reception("1", "Demo", ReceptionState.PLANNED))
    assert (await directory.move("1", ReceptionState.STARTED)).state is ReceptionState.STARTED
    with pytest.raises(StateError):
        await directory.move("1", ReceptionState.PLANNED)
    await directory.move("1", ReceptionState.LIVE)
    await directory.move("1", ReceptionState.LIVE)  # staying put is not a move
    await directory.move("1", ReceptionState.ENDED)
    with pytest.raises(StateError):
        await directory.move("1", ReceptionState.LIVE)
    with pytest.raises(StateError):
        await directory.move("unknown", ReceptionState.LIVE)


async def test_one_node_per_reception() -> None:
    directory = InMemoryDirectory()
    assert await directory.claim("1", "node-a") == "node-a"
    assert await directory.claim("1", "node-b") == "node-a"
    assert await directory.renew("1", "node-a")
    assert not await directory.renew("1", "node-b")
    await directory.release("1", "node-b")
    assert await directory.claim("1", "node-b") == "node-a"
    await directory.release("1", "node-a")
    assert await directory.claim("1", "node-b") == "node-b"


def test_reception_json_round_trip() -> None:
    reception = Reception("7", "Прием", ReceptionState.LIVE, "h", "m", 3)
    assert Reception.from_json(reception.to_json()) == reception


async def test_the_portals_record_never_takes_the_state_back() -> None:
    """The conference went live a moment before the portal heard of it: an edit fed in
    that moment keeps `live` and brings its other fields."""
    directory = InMemoryDirectory()
    await directory.put(Reception("1", "Прием", ReceptionState.STARTED, "h", "m"))
    await directory.move("1", ReceptionState.LIVE)
    await directory.put(Reception("1", "Прием (изменен)", ReceptionState.STARTED, "h", "m2"))
    current = await directory.get("1")
    assert current == Reception("1", "Прием (изменен)", ReceptionState.LIVE, "h", "m2")
    await directory.put(Reception("1", "Прием", ReceptionState.ENDED, "h", "m2"))
    assert (await directory.get("1")) is not None
    assert (await directory.get("1")).state is ReceptionState.ENDED  # type: ignore[union-attr]


async def test_watchers_hear_every_record_fed_and_one_failing_watcher_stops_none() -> None:
    directory = InMemoryDirectory()
    heard: list[str] = []

    async def broken(reception_id: str) -> None:
        raise RuntimeError("a watcher's own bug")

    async def listening(reception_id: str) -> None:
        heard.append(reception_id)

    directory.watch(broken)
    directory.watch(listening)
    await directory.put(Reception("1", "Прием", ReceptionState.PLANNED))
    await directory.put(Reception("2", "Прием", ReceptionState.PLANNED))
    assert heard == ["1", "2"]
