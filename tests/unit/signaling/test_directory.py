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
