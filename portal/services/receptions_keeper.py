"""Receptions nobody closed: a planned one whose time passed without «Начать прием» is
cancelled, and a started or live one long past its end (its node died, or everyone left
without «Закончить прием») is ended, so its appeals do not wait forever for a reception
that is over. Runs at start-up and then every `PERIOD`."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from portal.adapters.receptions_orm import Reception
from portal.errors import Conflict, NotFound
from portal.services.receptions import ReceptionsDeps, move_by_system
from signaling.protocol.receptions import ReceptionState

log = logging.getLogger(__name__)

PERIOD = timedelta(minutes=10)
MISSED_AFTER = timedelta(hours=1)
"""A planned reception still not started an hour after its planned end was missed."""
OVERRUN_AFTER = timedelta(hours=6)
"""A started or live reception six hours past its planned end is over, whatever happened."""


async def sweep(deps: ReceptionsDeps, now: datetime) -> int:
    """Close what is due; returns how many receptions were closed."""
    async with deps.db.session() as session:
        rows = await session.execute(
            select(Reception.id, Reception.state).where(
                (
                    (Reception.state == ReceptionState.PLANNED.value)
                    & (Reception.ends_at < now - MISSED_AFTER)
                )
                | (
                    Reception.state.in_([ReceptionState.STARTED.value, ReceptionState.LIVE.value])
                    & (Reception.ends_at < now - OVERRUN_AFTER)
                )
            )
        )
        due = [(rid, ReceptionState(state)) for rid, state in rows]
    closed = 0
    for reception_id, state in due:
        target = (
            ReceptionState.CANCELLED if state is ReceptionState.PLANNED else ReceptionState.ENDED
        )
        try:
            await move_by_system(deps, reception_id, target)
        except (Conflict, NotFound):
            continue  # someone closed it meanwhile
        log.info(
            "reception closed by the keeper -> %s", target.value, extra={"reception": reception_id}
        )
        closed += 1
    return closed
