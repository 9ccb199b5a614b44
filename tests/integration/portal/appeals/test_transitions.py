"""Every status change through the one service function, on a real database: allowed ones
write their history row, every forbidden one is refused and changes nothing."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from portal.adapters.appeals_orm import Appeal, StatusChange
from portal.adapters.orm import User
from portal.domain import status as machine
from portal.domain.appeals import AppealDraft
from portal.domain.roles import Role
from portal.domain.status import SYSTEM, ForbiddenTransition, Status, TransitionNotAllowed
from portal.services import appeals
from portal.services.appeals import AppealsDeps
from portal.services.appeals_notify import Outgoing
from portal.services.appeals_status import change_status
from tests.integration.portal.appeals.conftest import add_reference, add_user

pytestmark = pytest.mark.timeout(90)
ALLOWED = {(r.source, r.target) for r in machine.RULES}
FORBIDDEN = [pair for pair in itertools.product(Status, Status) if pair not in ALLOWED]


async def _appeal(deps: AppealsDeps) -> tuple[int, User, User]:
    refs = await add_reference(deps.db)
    citizen = await add_user(deps.db, email="c@example.ru", roles=[Role.CITIZEN])
    # One account with every staff role (and the appeal's author): only the table can refuse.
    everyone = await add_user(
        deps.db, email="all@example.ru", login="all", roles=[r for r in Role if r != Role.CITIZEN]
    )
    draft = AppealDraft(refs.topic, refs.municipality, "Заголовок", "", "Текст", True)
    appeal = await appeals.file_appeal(deps, citizen, draft, [])
    return appeal.id, citizen, everyone


async def _attempt(
    deps: AppealsDeps, appeal_id: int, source: Status, target: Status, actor: User | None
) -> None:
    async with deps.db.session() as session, session.begin():
        await session.execute(
            update(Appeal).where(Appeal.id == appeal_id).values(status=source.value)
        )
    async with deps.db.session() as session, session.begin():
        appeal = await session.get(Appeal, appeal_id)
        assert appeal is not None
        await change_status(session, appeal, target, actor, datetime.now(UTC), Outgoing())


async def _state(deps: AppealsDeps, appeal_id: int) -> tuple[str, int]:
    async with deps.db.session() as session:
        status = await session.scalar(select(Appeal.status).where(Appeal.id == appeal_id))
        rows = await session.scalar(select(func.count()).where(StatusChange.appeal_id == appeal_id))
    assert status is not None
    assert rows is not None
    return status, rows


async def test_every_forbidden_transition_is_refused_and_changes_nothing(
    deps: AppealsDeps,
) -> None:
    appeal_id, citizen, everyone = await _appeal(deps)
    for source, target in FORBIDDEN:
        for actor in (everyone, citizen, None):
            with pytest.raises(ForbiddenTransition) as caught:
                await _attempt(deps, appeal_id, source, target, actor)
            assert "Нельзя перевести заявку" in caught.value.text.ru
            assert await _state(deps, appeal_id) == (source.value, 1), (source, target)


async def test_every_allowed_transition_writes_its_history_row(deps: AppealsDeps) -> None:
    appeal_id, citizen, everyone = await _appeal(deps)
    rows = 1
    for rule in machine.RULES:
        actor = (
            None if rule.actor == SYSTEM else citizen if rule.actor == Role.CITIZEN else everyone
        )
        await _attempt(deps, appeal_id, rule.source, rule.target, actor)
        rows += 1
        assert await _state(deps, appeal_id) == (rule.target.value, rows)
    async with deps.db.session() as session:
        last = (
            await session.execute(select(StatusChange).order_by(StatusChange.id.desc()).limit(1))
        ).scalar_one()
    final = machine.RULES[-1]
    assert (last.source, last.target, last.action, last.actor_role) == (
        final.source.value,
        final.target.value,
        final.action,
        final.actor.value,
    )


async def test_the_right_change_by_the_wrong_person_is_refused(deps: AppealsDeps) -> None:
    appeal_id, citizen, _ = await _appeal(deps)
    stranger = await add_user(deps.db, email="x@example.ru", roles=[Role.CITIZEN])
    officer = await add_user(deps.db, email="o@example.ru", login="o", roles=[Role.DEPARTMENT])
    cases = [
        (Status.NEW, Status.IN_WORK, citizen),  # a citizen cannot start work on their appeal
        (Status.NEW, Status.WITHDRAWN, stranger),  # nor withdraw someone else's
        (Status.NEW, Status.WITHDRAWN, officer),  # staff do not withdraw for the citizen
        (Status.INVITED, Status.CONFIRMED, officer),
        (Status.CONFIRMED, Status.AT_RECEPTION, officer),  # only the system starts receptions
        (Status.HELD, Status.REVIEWED, officer),
    ]
    for source, target, actor in cases:
        with pytest.raises(TransitionNotAllowed):
            await _attempt(deps, appeal_id, source, target, actor)
        assert await _state(deps, appeal_id) == (source.value, 1)
