"""Seats on SQLite and PostgreSQL: the capacity holds when organizers enroll at once, an
appeal sits in one reception, invitations follow the citizen's setting, a decline and a
cancellation give the appeals back to the planning list."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.adapters.appeals_orm import Appeal
from portal.adapters.receptions_orm import Reception, Seat
from portal.domain.status import Status
from portal.errors import Conflict, Forbidden, InvalidInput, PortalError
from portal.services import receptions, receptions_planning, receptions_seats
from tests.integration.portal.appeals.conftest import letters
from tests.integration.portal.conftest import MovableClock
from tests.integration.portal.receptions.conftest import World, plan, tomorrow_at

pytestmark = pytest.mark.timeout(120)


async def _reception(world: World, clock: MovableClock, capacity: int = 15) -> int:
    p = world.people
    starts = tomorrow_at(clock, 12) + timedelta(days=1)  # never across local midnight
    created = await receptions.create(
        world.receptions, p["organizer"], plan(p, starts, capacity=capacity)
    )
    return created.id


async def _stored(world: World, reception_id: int) -> tuple[int, int]:
    """(seats_taken as stored, seats actually holding an appeal)."""
    async with world.db.session() as session:
        reception = await session.get(Reception, reception_id)
        assert reception is not None
        holding = await session.scalar(
            select(func.count())
            .select_from(Seat)
            .where(Seat.reception_id == reception_id, Seat.active_appeal_id.is_not(None))
        )
        return reception.seats_taken, int(holding or 0)


async def _status(world: World, appeal_id: int) -> str:
    async with world.db.session() as session:
        appeal = await session.get(Appeal, appeal_id)
        assert appeal is not None
        return appeal.status


async def test_beyond_capacity_is_refused_with_a_clear_message(
    world: World, clock: MovableClock
) -> None:
    org = world.people["organizer"]
    reception = await _reception(world, clock, capacity=1)
    first, second = await world.preparing("Первая"), await world.preparing("Вторая")
    await receptions_seats.enroll(world.receptions, reception, first, org)
    with pytest.raises(Conflict) as refused:
        await receptions_seats.enroll(world.receptions, reception, second, org)
    assert "нет свободных мест" in refused.value.text.ru
    assert await _stored(world, reception) == (1, 1)


async def test_two_organizers_enrolling_into_the_last_seat_at_once(
    world: World, clock: MovableClock
) -> None:
    """Two organizers press «Записать» for the last seat together: one gets it."""
    p = world.people
    reception = await _reception(world, clock, capacity=2)
    await receptions_seats.enroll(
        world.receptions, reception, await world.preparing("0"), p["organizer"]
    )
    mine, theirs = await world.preparing("1"), await world.preparing("2")
    outcome = await asyncio.gather(
        receptions_seats.enroll(world.receptions, reception, mine, p["organizer"]),
        receptions_seats.enroll(world.receptions, reception, theirs, p["organizer2"]),
        return_exceptions=True,
    )
    won = [o for o in outcome if isinstance(o, Seat)]
    lost = [o for o in outcome if isinstance(o, BaseException)]
    assert len(won) == 1, outcome
    assert len(lost) == 1, outcome
    assert isinstance(lost[0], Conflict), outcome
    assert await _stored(world, reception) == (2, 2)
    # The loser's appeal is still waiting for a reception.
    waiting = await receptions_planning.waiting_appeals(world.db, p["organizer"])
    assert len(waiting.rows) == 1


async def test_many_enrolling_at_once_never_pass_the_capacity(
    world: World, clock: MovableClock
) -> None:
    p = world.people
    reception = await _reception(world, clock, capacity=3)
    appeal_ids = [await world.preparing(f"Заявка {n}") for n in range(7)]
    organizers = [p["organizer"], p["organizer2"]]
    outcome = await asyncio.gather(
        *(
            receptions_seats.enroll(world.receptions, reception, a, organizers[n % 2])
            for n, a in enumerate(appeal_ids)
        ),
        return_exceptions=True,
    )
    assert sum(isinstance(o, Seat) for o in outcome) == 3, outcome
    assert all(isinstance(o, (Seat, Conflict)) for o in outcome), outcome
    assert await _stored(world, reception) == (3, 3)


async def test_one_appeal_enrolled_twice_at_once_takes_one_seat(
    world: World, clock: MovableClock
) -> None:
    p = world.people
    first, second = await _reception(world, clock), await _reception(world, clock)
    appeal = await world.preparing()
    outcome = await asyncio.gather(
        receptions_seats.enroll(world.receptions, first, appeal, p["organizer"]),
        receptions_seats.enroll(world.receptions, second, appeal, p["organizer2"]),
        receptions_seats.enroll(world.receptions, first, appeal, p["organizer2"]),
        return_exceptions=True,
    )
    assert sum(isinstance(o, Seat) for o in outcome) == 1, outcome
    assert all(isinstance(o, (Seat, Conflict)) for o in outcome), outcome
    taken = [await _stored(world, first), await _stored(world, second)]
    assert sorted(taken) == [(0, 0), (1, 1)]


async def test_edit_below_the_seats_taken_is_refused(world: World, clock: MovableClock) -> None:
    p = world.people
    reception = await _reception(world, clock, capacity=3)
    for n in range(2):
        await receptions_seats.enroll(
            world.receptions, reception, await world.preparing(str(n)), p["organizer"]
        )
    starts = tomorrow_at(clock, 12) + timedelta(days=1)  # never across local midnight
    with pytest.raises(InvalidInput) as refused:
        await receptions.edit(
            world.receptions, reception, p["organizer"], plan(p, starts, capacity=1)
        )
    assert "записано 2" in refused.value.text.ru
    edited = await receptions.edit(
        world.receptions, reception, p["organizer"], plan(p, starts, capacity=2, title="Новый")
    )
    assert (edited.capacity, edited.title) == (2, "Новый")


async def test_cancel_returns_every_appeal_to_preparing(world: World, clock: MovableClock) -> None:
    p = world.people
    org = p["organizer"]
    reception = await _reception(world, clock)
    enrolled, invited, confirmed = [await world.preparing(t) for t in ("A", "B", "C")]
    for appeal in (enrolled, invited, confirmed):
        await receptions_seats.enroll(world.receptions, reception, appeal, org)
    view = await receptions_planning.manage_view(world.db, org, reception)
    seat_of = {s.appeal_id: s.id for s in view.seats}
    await receptions_seats.invite(world.receptions, reception, org, seat_of[invited])
    await receptions_seats.invite(world.receptions, reception, org, seat_of[confirmed])
    await receptions_seats.answer(world.receptions, confirmed, p["citizen"], accept=True)
    assert await _status(world, confirmed) == Status.CONFIRMED

    await receptions.cancel(world.receptions, reception, org)
    for appeal in (enrolled, invited, confirmed):
        assert await _status(world, appeal) == Status.PREPARING
    waiting = await receptions_planning.waiting_appeals(world.db, org)
    assert {r.id for r in waiting.rows} == {enrolled, invited, confirmed}
    planned = await receptions_planning.planned_receptions(world.db, org)
    assert reception not in [r.id for r in planned.rows]
    with pytest.raises(PortalError):
        await receptions_seats.enroll(world.receptions, reception, enrolled, org)


async def test_decline_shows_declined_and_frees_the_seat(world: World, clock: MovableClock) -> None:
    p = world.people
    org = p["organizer"]
    reception = await _reception(world, clock, capacity=1)
    appeal = await world.preparing()
    await receptions_seats.enroll(world.receptions, reception, appeal, org)
    assert await receptions_seats.invite(world.receptions, reception, org, None) == 1
    view = await receptions_planning.manage_view(world.db, org, reception)
    assert [s.label for s in view.seats] == ["Ожидает подтверждения"]

    await receptions_seats.answer(world.receptions, appeal, p["citizen"], accept=False)
    view = await receptions_planning.manage_view(world.db, org, reception)
    assert [(s.label, s.holding, s.may_invite) for s in view.seats] == [("Отказался", False, False)]
    assert view.reception.seats_taken == 0
    assert await _status(world, appeal) == Status.PREPARING
    waiting = await receptions_planning.waiting_appeals(world.db, org)
    assert [r.id for r in waiting.rows] == [appeal]
    # The freed seat takes another appeal (or the same one again).
    await receptions_seats.enroll(world.receptions, reception, appeal, org)
    assert await _stored(world, reception) == (1, 1)


async def test_the_invitation_letter_follows_the_citizens_setting(
    world: World, clock: MovableClock
) -> None:
    p = world.people
    org = p["organizer"]
    reception = await _reception(world, clock)
    wants = await world.preparing("Письмо")
    quiet = await world.preparing("Без письма", citizen="quiet")
    for appeal in (wants, quiet):
        await receptions_seats.enroll(world.receptions, reception, appeal, org)
    assert await receptions_seats.invite(world.receptions, reception, org, None) == 2
    (letter,) = [m for m in letters(world.outbox, "maria@example.ru") if "Приглашение" in m]
    assert "Вы приглашены на прием «Прием граждан»" in letter
    assert not [m for m in letters(world.outbox, "quiet@example.ru") if "Приглашение" in m]
    view = await receptions_planning.manage_view(world.db, org, reception)
    assert {s.label for s in view.seats} == {"Ожидает подтверждения"}
    with pytest.raises(Conflict):
        await receptions_seats.invite(world.receptions, reception, org, view.seats[0].id)


async def test_planning_lists_search_page_and_name_everyone(
    world: World, clock: MovableClock
) -> None:
    p = world.people
    org = p["organizer"]
    reception = await _reception(world, clock, capacity=2)
    ids = [await world.preparing(f"Вопрос {n}") for n in range(3)]
    await world.preparing("Тишина во дворе", citizen="quiet")
    await receptions_seats.enroll(world.receptions, reception, ids[0], org)

    waiting = await receptions_planning.waiting_appeals(world.db, org)
    assert [r.id for r in waiting.rows][:2] == ids[1:]  # oldest in the queue first
    assert waiting.total == 3
    found = await receptions_planning.waiting_appeals(world.db, org, search="тихонов")
    assert [r.title for r in found.rows] == ["Тишина во дворе"]
    number = waiting.rows[0].number
    assert [
        r.number
        for r in (await receptions_planning.waiting_appeals(world.db, org, search=number)).rows
    ] == [number]

    planned = await receptions_planning.planned_receptions(world.db, org)
    (row,) = planned.rows
    assert (row.seats_taken, row.capacity, row.free) == (1, 2, 1)
    assert row.host.startswith("Ведущий")
    assert row.moderator.startswith("Модератов")
    choices = await receptions_planning.open_receptions(world.db, org, clock.now())
    assert [(c.id, c.free) for c in choices] == [(reception, 1)]

    view = await receptions_planning.manage_view(world.db, org, reception)
    (seat,) = view.seats
    assert (seat.citizen, seat.address, seat.label) == (
        "Иванова Мария Петровна",
        "ул. Мира, 1",
        "Подготовка к участию",
    )
    with pytest.raises(Forbidden):
        await receptions_planning.waiting_appeals(world.db, p["officer"])
