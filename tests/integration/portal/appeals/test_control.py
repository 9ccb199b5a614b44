"""The organizer's and the control officer's work on appeals (SPEC §3), on SQLite and
PostgreSQL: every transition, the control form, and the refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.adapters.appeals_orm import Appeal, StatusChange
from portal.adapters.orm import User
from portal.domain.roles import Role
from portal.domain.status import ForbiddenTransition, Status, TransitionNotAllowed
from portal.errors import Conflict, Forbidden, FormErrors, InvalidInput, NotFound
from portal.services import appeals_control as control
from portal.services import appeals_processing as work
from portal.services.appeals import AppealsDeps
from tests.integration.portal.appeals.conftest import (
    MovableClock,
    Reference,
    add_reference,
    add_user,
    letters,
)
from tests.integration.portal.appeals.control_flow import held, recommended

pytestmark = pytest.mark.timeout(90)


async def setup(deps: AppealsDeps) -> tuple[Reference, dict[str, User]]:
    db = deps.db
    return await add_reference(db), {
        "citizen": await add_user(db, email="maria@example.ru", roles=[Role.CITIZEN]),
        "officer": await add_user(db, email="o@example.ru", login="o", roles=[Role.DEPARTMENT]),
        "organizer": await add_user(
            db, email="org@example.ru", login="org", roles=[Role.ORGANIZER]
        ),
        "control": await add_user(db, email="k@example.ru", login="k", roles=[Role.CONTROL]),
    }


async def status_of(deps: AppealsDeps, appeal_id: int) -> Status:
    async with deps.db.session() as session:
        return Status(await session.scalar(select(Appeal.status).where(Appeal.id == appeal_id)))


async def last_change(deps: AppealsDeps, appeal_id: int) -> StatusChange:
    async with deps.db.session() as session:
        return (
            await session.execute(
                select(StatusChange)
                .where(StatusChange.appeal_id == appeal_id)
                .order_by(StatusChange.id.desc())
                .limit(1)
            )
        ).scalar_one()


# --- the organizer -------------------------------------------------------------------------


async def test_the_organizer_queues_a_recommended_appeal(deps: AppealsDeps, outbox: Path) -> None:
    refs, p = await setup(deps)
    appeal_id = await recommended(deps, refs, p["citizen"], p["officer"])
    sent = len(letters(outbox, "maria@example.ru"))

    with pytest.raises(TransitionNotAllowed) as refused:
        await work.queue(deps, appeal_id, p["officer"])  # the department only recommends
    assert refused.value.status == 403
    await work.queue(deps, appeal_id, p["organizer"], "на ближайший прием")

    assert await status_of(deps, appeal_id) is Status.PREPARING
    change = await last_change(deps, appeal_id)
    assert (change.action, change.actor_id, change.comment) == (
        "queue",
        p["organizer"].id,
        "на ближайший прием",
    )
    mail = letters(outbox, "maria@example.ru")
    assert len(mail) == sent + 1
    assert sum("«Подготовка к участию»" in m for m in mail) == 1

    with pytest.raises(ForbiddenTransition) as again:
        await work.queue(deps, appeal_id, p["organizer"])
    assert again.value.status == 409


@pytest.mark.parametrize("queued", [False, True], ids=["recommended", "preparing"])
async def test_the_organizer_refuses_with_an_answer(
    deps: AppealsDeps, outbox: Path, queued: bool
) -> None:
    refs, p = await setup(deps)
    appeal_id = await recommended(deps, refs, p["citizen"], p["officer"])
    if queued:
        await work.queue(deps, appeal_id, p["organizer"])
    text = await work.template_text(deps, appeal_id, p["organizer"], refs.template)
    assert "Уважаемый(ая) Иванова Мария Петровна!" in text
    await work.give_answer(deps, appeal_id, p["organizer"], text, refs.template)
    assert await status_of(deps, appeal_id) is Status.ANSWERED
    assert any("Ответ на заявку" in m for m in letters(outbox, "maria@example.ru"))


async def test_the_answer_belongs_to_whoever_holds_the_appeal(deps: AppealsDeps) -> None:
    """Once recommended, the department no longer answers the appeal: the organizer does,
    from «Рекомендована» or «Подготовка к участию»."""
    refs, p = await setup(deps)
    appeal_id = await recommended(deps, refs, p["citizen"], p["officer"])
    with pytest.raises(TransitionNotAllowed):
        await work.give_answer(deps, appeal_id, p["officer"], "Ответ без приема")
    with pytest.raises(NotFound):  # not the control officer's before the reception
        await work.give_answer(deps, appeal_id, p["control"], "Ответ без приема")
    queued = await recommended(deps, refs, p["citizen"], p["officer"], "Другая")
    await work.queue(deps, queued, p["organizer"])
    await work.give_answer(deps, queued, p["organizer"], "Ответ без приема")
    with pytest.raises(ForbiddenTransition):
        await work.queue(deps, queued, p["organizer"])
    assert await status_of(deps, appeal_id) is Status.RECOMMENDED


# --- the control officer -------------------------------------------------------------------


async def test_reviewed_without_instructions(deps: AppealsDeps, outbox: Path) -> None:
    refs, p = await setup(deps)
    appeal_id = await held(deps, refs, p["citizen"], p["officer"], p["organizer"])
    sent = len(letters(outbox, "maria@example.ru"))
    await control.review(deps, appeal_id, p["control"], "поручений нет")
    assert await status_of(deps, appeal_id) is Status.REVIEWED
    assert (await last_change(deps, appeal_id)).action == "review"
    assert await control.load_control(deps, appeal_id, p["control"]) is None
    assert len(letters(outbox, "maria@example.ru")) == sent, "the citizen still sees «Прием прошел»"
    with pytest.raises(Conflict):
        await control.put_on_control(deps, appeal_id, p["control"])


async def test_on_control_until_executed(
    deps: AppealsDeps, outbox: Path, portal_errors: list[object]
) -> None:
    refs, p = await setup(deps)
    k = p["control"]
    appeal_id = await held(deps, refs, p["citizen"], p["officer"], p["organizer"])
    with pytest.raises(Conflict, match="only while the appeal is on control"):
        await control.add_department(deps, appeal_id, k, refs.department, "1")

    await control.put_on_control(deps, appeal_id, k)
    assert await status_of(deps, appeal_id) is Status.ON_CONTROL
    form = await control.load_control(deps, appeal_id, k)
    assert form is not None
    assert form.editable
    assert not form.saved
    assert len(form.missing) == 3

    with pytest.raises(InvalidInput) as incomplete:
        await control.resolve(deps, appeal_id, k)
    assert "ведомство-исполнитель с номером СЭД «Дело», «Плановая дата», «Дата выполнения»" in (
        incomplete.value.text.ru
    )
    assert incomplete.value.status == 422

    today = deps.clock.now().astimezone(deps.time_zone).date()
    await control.add_department(deps, appeal_id, k, refs.department, " 01-02/33 ")
    await control.save_form(deps, appeal_id, k, today + timedelta(days=30), None, "")
    with pytest.raises(InvalidInput, match="the execution date"):
        await control.resolve(deps, appeal_id, k)

    await control.save_form(deps, appeal_id, k, today + timedelta(days=30), today, "Сделано")
    form = await control.load_control(deps, appeal_id, k)
    assert form is not None
    assert form.ready
    assert [(d.department, d.sed_number) for d in form.departments] == [
        ("Министерство ЖКХ", "01-02/33")
    ]

    # A department added after «Сохранить» is a change not saved yet.
    await control.add_department(deps, appeal_id, k, refs.other_department, "7")
    with pytest.raises(Conflict, match="Save the control form") as unsaved:
        await control.resolve(deps, appeal_id, k)
    assert unsaved.value.status == 409
    form = await control.load_control(deps, appeal_id, k)
    assert form is not None
    assert form.complete
    assert not form.ready
    (other,) = [d for d in form.departments if d.department_id == refs.other_department]
    await control.save_form(deps, appeal_id, k, form.planned_on, form.executed_on, form.comment)
    await control.remove_department(deps, appeal_id, k, other.id)
    with pytest.raises(Conflict):
        await control.resolve(deps, appeal_id, k)
    with pytest.raises(NotFound):
        await control.remove_department(deps, appeal_id, k, other.id)
    # Renumbering to the same number changes nothing: the form stays as it was.
    await control.save_form(deps, appeal_id, k, form.planned_on, form.executed_on, form.comment)
    await control.add_department(deps, appeal_id, k, refs.department, "01-02/33")
    sent = len(letters(outbox, "maria@example.ru"))

    await control.resolve(deps, appeal_id, k, "исполнено в срок")
    assert await status_of(deps, appeal_id) is Status.RESOLVED
    assert (await last_change(deps, appeal_id)).action == "resolve"
    mail = letters(outbox, "maria@example.ru")
    assert len(mail) == sent + 1
    assert sum("«Решена»" in m for m in mail) == 1
    form = await control.load_control(deps, appeal_id, k)
    assert form is not None
    assert not form.editable, "a resolved appeal's form is a record"
    with pytest.raises(Conflict):
        await control.save_form(deps, appeal_id, k, None, None, "")
    with pytest.raises(Conflict):
        await control.not_resolved(deps, appeal_id, k)


async def test_not_executed(deps: AppealsDeps) -> None:
    refs, p = await setup(deps)
    appeal_id = await held(deps, refs, p["citizen"], p["officer"], p["organizer"])
    await control.put_on_control(deps, appeal_id, p["control"])
    await control.not_resolved(deps, appeal_id, p["control"], "сроки сорваны")
    assert await status_of(deps, appeal_id) is Status.REVIEWED
    change = await last_change(deps, appeal_id)
    assert (change.source, change.target, change.action) == (
        "on_control",
        "reviewed",
        "not_resolved",
    )


async def test_wrong_status_is_a_conflict(deps: AppealsDeps) -> None:
    """Each button acts from its one status: «Не исполнено» on an appeal just held is not
    «Рассмотрено», though both end in «Рассмотрена»."""
    refs, p = await setup(deps)
    k = p["control"]
    appeal_id = await held(deps, refs, p["citizen"], p["officer"], p["organizer"])
    for step in (control.resolve, control.not_resolved):
        with pytest.raises(Conflict, match="possible only in status 'on_control'") as refused:
            await step(deps, appeal_id, k)
        assert refused.value.status == 409
    await control.put_on_control(deps, appeal_id, k)
    for step in (control.review, control.put_on_control):
        with pytest.raises(Conflict, match="possible only in status 'held'"):
            await step(deps, appeal_id, k)
    assert await status_of(deps, appeal_id) is Status.ON_CONTROL
    await control.not_resolved(deps, appeal_id, k)
    for step in (control.review, control.put_on_control, control.resolve, control.not_resolved):
        with pytest.raises(Conflict):
            await step(deps, appeal_id, k)
    # An appeal whose reception has not taken place is not the control officer's at all.
    early = await recommended(deps, refs, p["citizen"], p["officer"], "Ранняя")
    with pytest.raises(NotFound):
        await control.review(deps, early, k)


async def test_only_the_control_officer_acts(deps: AppealsDeps) -> None:
    refs, p = await setup(deps)
    appeal_id = await held(deps, refs, p["citizen"], p["officer"], p["organizer"])
    both = await add_user(
        deps.db, email="b@example.ru", login="b", roles=[Role.DEPARTMENT, Role.ORGANIZER]
    )
    for who in (p["citizen"], p["officer"], p["organizer"], both):
        for step in (control.review, control.put_on_control, control.resolve):
            with pytest.raises(Forbidden) as refused:
                await step(deps, appeal_id, who)
            assert refused.value.status == 403
        with pytest.raises(Forbidden):
            await control.add_department(deps, appeal_id, who, refs.department, "1")
        with pytest.raises(Forbidden):
            await control.save_form(deps, appeal_id, who, None, None, "")
        with pytest.raises(Forbidden):
            await control.remove_department(deps, appeal_id, who, 1)
    with pytest.raises(Forbidden):
        await control.load_control(deps, appeal_id, p["citizen"])
    assert await status_of(deps, appeal_id) is Status.HELD


# --- the form's dates ----------------------------------------------------------------------


def test_typed_dates() -> None:
    assert control.parse_day("2026-03-11", control.PLANNED) == date(2026, 3, 11)
    assert control.parse_day(" 11.03.2026 ", control.PLANNED) == date(2026, 3, 11)
    assert control.parse_day("", control.PLANNED) is None
    for junk in ("31.02.2026", "2026-13-01", "11.03.26", "завтра", "2026-3-1", "1e9", "0"):
        with pytest.raises(InvalidInput, match="The planned date: enter a date") as caught:
            control.parse_day(junk, control.PLANNED)
        assert caught.value.text.ru.startswith("«Плановая дата»: укажите дату")


async def test_dates_are_local_days_after_the_reception(
    deps: AppealsDeps, clock: MovableClock
) -> None:
    """The reception ends at 01:30 Moscow time, 22:30 UTC the day before: the local day
    counts, both for "not before the reception" and for "not in the future"."""
    clock.freeze()
    clock.advance(datetime(2026, 3, 10, 22, 30, tzinfo=UTC) - clock.now())
    refs, p = await setup(deps)
    k = p["control"]
    appeal_id = await held(deps, refs, p["citizen"], p["officer"], p["organizer"])
    await control.put_on_control(deps, appeal_id, k)
    local_today = date(2026, 3, 11)

    await control.save_form(deps, appeal_id, k, local_today, local_today, "")
    cases = [
        (local_today - timedelta(days=1), None, "planned_on", "cannot precede the reception"),
        (None, local_today - timedelta(days=1), "executed_on", "cannot precede the reception"),
        (None, local_today + timedelta(days=1), "executed_on", "cannot be in the future"),
        (date(2040, 1, 1), None, "planned_on", "cannot be later than"),
        (date(1, 1, 1), date(9999, 12, 31), "executed_on", "cannot be in the future"),
    ]
    for planned, executed, field, message in cases:
        with pytest.raises(FormErrors) as refused:
            await control.save_form(deps, appeal_id, k, planned, executed, "")
        assert refused.value.status == 422
        assert message in " ".join(m.en for m in refused.value.fields[field])
    with pytest.raises(FormErrors, match="longer than 2000"):
        await control.save_form(deps, appeal_id, k, None, None, "ы" * 2001)
    form = await control.load_control(deps, appeal_id, k)
    assert form is not None
    assert (form.planned_on, form.executed_on) == (local_today, local_today), (
        "refusals kept nothing"
    )
