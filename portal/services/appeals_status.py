"""The one function through which every appeal status change passes."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.adapters.appeals_orm import Appeal, StatusChange
from portal.adapters.orm import User
from portal.adapters.receptions_orm import Seat
from portal.domain import status as machine
from portal.domain.receptions import SeatState
from portal.domain.roles import Role
from portal.domain.status import Status
from portal.services.appeals_notify import Outgoing, status_letter
from portal.services.receptions_release import free_seat

log = logging.getLogger(__name__)


async def change_status(
    session: AsyncSession,
    appeal: Appeal,
    target: Status,
    actor: User | None,
    now: datetime,
    outgoing: Outgoing,
    *,
    comment: str = "",
    link: str = "",
    answer: str = "",
) -> StatusChange:
    """Check `appeal.status → target` against the table for `actor` (None: the system),
    move it, write the history row and queue the citizen's letter.

    A citizen acts only on their own appeal; staff act through their roles.
    """
    source = Status(appeal.status)
    actors: set[machine.Actor]
    if actor is None:
        actors = {machine.SYSTEM}
    else:
        actors = {role for role in actor.role_set if role is not Role.CITIZEN}
        if actor.id == appeal.citizen_id:
            actors.add(Role.CITIZEN)
    rule = machine.check(source, target, actors)
    appeal.status = target.value
    appeal.status_changed_at = now
    change = StatusChange(
        appeal_id=appeal.id,
        at=now,
        actor_id=actor.id if actor else None,
        actor_role=str(rule.actor),
        source=source.value,
        target=target.value,
        action=rule.action,
        comment=comment.strip(),
    )
    session.add(change)
    if target in machine.FINAL:
        await _leave_reception(session, appeal.id)
    await session.flush()
    log.info(
        "appeal status %s -> %s",
        source.value,
        target.value,
        extra={"appeal": appeal.id, "action": rule.action},
    )
    if actor is None or actor.id != appeal.citizen_id:
        citizen = await session.get(User, appeal.citizen_id)
        if citizen is not None:
            outgoing.add(status_letter(appeal, citizen, source, target, link, answer))
    return change


async def _leave_reception(session: AsyncSession, appeal_id: int) -> None:
    """An appeal answered or withdrawn while enrolled gives its seat back."""
    seat = (
        await session.execute(select(Seat).where(Seat.active_appeal_id == appeal_id))
    ).scalar_one_or_none()
    if seat is None:
        return
    seat.state = SeatState.DECLINED.value
    await free_seat(session, seat)
