"""Bringing an appeal to the organizer and the control officer through the real rules.

Invitations and the reception itself belong to reception planning; here the same status
changes are made through `change_status`, as planning and the conference make them."""

from __future__ import annotations

from portal.adapters.appeals_orm import Appeal
from portal.adapters.orm import User
from portal.domain.appeals import AppealDraft
from portal.domain.status import Status
from portal.services import appeals
from portal.services import appeals_processing as work
from portal.services.appeals import AppealsDeps
from portal.services.appeals_notify import Outgoing
from portal.services.appeals_status import change_status
from tests.integration.portal.appeals.conftest import Reference


async def move(deps: AppealsDeps, appeal_id: int, target: Status, actor: User | None) -> None:
    async with deps.db.session() as session, session.begin():
        appeal = await session.get(Appeal, appeal_id)
        assert appeal is not None
        await change_status(session, appeal, target, actor, deps.clock.now(), Outgoing())


async def recommended(
    deps: AppealsDeps, refs: Reference, citizen: User, officer: User, title: str = "Яма"
) -> int:
    draft = AppealDraft(refs.topic, refs.municipality, title, "ул. Мира, 1", "Текст", True)
    appeal = await appeals.file_appeal(deps, citizen, draft, [])
    await work.add_executing(deps, appeal.id, officer, refs.department, "01-15/1")
    await work.start_work(deps, appeal.id, officer)
    await work.recommend(deps, appeal.id, officer)
    return appeal.id


async def held(
    deps: AppealsDeps,
    refs: Reference,
    citizen: User,
    officer: User,
    organizer: User,
    title: str = "Яма",
) -> int:
    """An appeal whose reception took place: «Прием прошел»."""
    appeal_id = await recommended(deps, refs, citizen, officer, title)
    await work.queue(deps, appeal_id, organizer)
    await move(deps, appeal_id, Status.INVITED, organizer)
    await move(deps, appeal_id, Status.CONFIRMED, citizen)
    await move(deps, appeal_id, Status.AT_RECEPTION, None)
    await move(deps, appeal_id, Status.HELD, None)
    return appeal_id
