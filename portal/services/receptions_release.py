"""Giving a seat back: its place returns to the reception and its appeal may be enrolled
again. One function for every way a seat is left (removed, declined, the appeal answered
or withdrawn), so the count of seats taken moves the same way everywhere."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.receptions_orm import Reception, Seat


async def free_seat(session: AsyncSession, seat: Seat) -> None:
    seat.active_appeal_id = None
    await session.execute(
        update(Reception)
        .where(Reception.id == seat.reception_id, Reception.seats_taken > 0)
        .values(seats_taken=Reception.seats_taken - 1)
    )
