"""Receptions nobody closed are closed by the keeper, and their appeals go where the
state machine sends them."""

from __future__ import annotations

from datetime import timedelta

from portal.adapters.appeals_orm import Appeal
from portal.adapters.receptions_orm import Reception
from portal.services import receptions, receptions_keeper, receptions_seats
from signaling.protocol.receptions import ReceptionState
from tests.integration.portal.conftest import MovableClock
from tests.integration.portal.receptions.conftest import World, plan, tomorrow_at


async def _state(world: World, reception_id: int, appeal_id: int) -> tuple[str, str]:
    async with world.db.session() as session:
        reception = await session.get(Reception, reception_id)
        appeal = await session.get(Appeal, appeal_id)
        assert reception is not None
        assert appeal is not None
        return reception.state, appeal.status


async def _invited(world: World, clock: MovableClock, confirm: bool) -> tuple[int, int]:
    p = world.people
    # three hours ahead, on a day whose hour never wraps past local midnight
    starts = tomorrow_at(clock, 12)
    clock.advance(starts - timedelta(hours=3) - clock.now())
    made = await receptions.create(world.receptions, p["organizer"], plan(p, starts))
    appeal_id = await world.preparing()
    await receptions_seats.enroll(world.receptions, made.id, appeal_id, p["organizer"])
    await receptions_seats.invite(world.receptions, made.id, p["organizer"], None)
    if confirm:
        await receptions_seats.answer(world.receptions, appeal_id, p["citizen"], accept=True)
    return made.id, appeal_id


async def test_a_planned_reception_never_started_is_cancelled_after_its_time(
    world: World, clock: MovableClock
) -> None:
    reception_id, appeal_id = await _invited(world, clock, confirm=True)
    clock.advance(timedelta(hours=4, minutes=30))  # half an hour after the planned end
    assert await receptions_keeper.sweep(world.receptions, clock.now()) == 0
    assert await _state(world, reception_id, appeal_id) == ("planned", "confirmed")
    clock.advance(timedelta(hours=1))
    assert await receptions_keeper.sweep(world.receptions, clock.now()) == 1
    assert await _state(world, reception_id, appeal_id) == ("cancelled", "preparing")
    assert await receptions_keeper.sweep(world.receptions, clock.now()) == 0


async def test_a_live_reception_long_past_its_end_is_ended(
    world: World, clock: MovableClock
) -> None:
    """Its node died mid-reception and nobody pressed «Закончить прием»."""
    reception_id, appeal_id = await _invited(world, clock, confirm=True)
    clock.advance(timedelta(hours=2, minutes=30))
    await receptions.start(world.receptions, reception_id, world.people["moderator"])
    await receptions.move_by_system(world.receptions, reception_id, ReceptionState.LIVE)
    assert await _state(world, reception_id, appeal_id) == ("live", "at_reception")
    clock.advance(timedelta(hours=6))  # four and a half hours past the end: still its time
    assert await receptions_keeper.sweep(world.receptions, clock.now()) == 0
    clock.advance(timedelta(hours=2))
    assert await receptions_keeper.sweep(world.receptions, clock.now()) == 1
    # The citizen never joined: the appeal goes back to planning, not to control.
    assert await _state(world, reception_id, appeal_id) == ("ended", "preparing")
