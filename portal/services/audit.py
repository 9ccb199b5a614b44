"""The audit log of staff access to a citizen's personal data (152-FZ)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from portal.adapters.db import Database
from portal.adapters.orm import AuditRecord, User, utcnow


async def record_access(
    session: AsyncSession, actor: User, citizen_id: int, what: str, at: datetime | None = None
) -> None:
    """Write who (staff) saw what of whose data. A citizen viewing their own data is not
    an access to be audited. The caller's transaction commits it with the rest."""
    if actor.id == citizen_id or not actor.is_staff:
        return
    session.add(
        AuditRecord(actor_id=actor.id, citizen_id=citizen_id, what=what[:300], at=at or utcnow())
    )
    await session.flush()


async def recent_accesses(db: Database, limit: int = 500) -> Sequence[Row[AuditRecord, User, User]]:
    """The latest accesses, newest first: each record with its actor and its citizen."""
    actor, citizen = aliased(User), aliased(User)
    query = (
        select(AuditRecord, actor, citizen)
        .join(actor, AuditRecord.actor_id == actor.id)
        .join(citizen, AuditRecord.citizen_id == citizen.id)
        .order_by(AuditRecord.at.desc(), AuditRecord.id.desc())
        .limit(limit)
    )
    async with db.session() as session:
        return (await session.execute(query)).all()
