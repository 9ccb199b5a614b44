"""The control officer's (КОВ) work on an appeal after its reception (SPEC §3, seed 002
«Работа с заявками граждан»).

- «Рассмотрено»: `held → reviewed`, no instructions;
- «На контроль»: `held → on_control`; the form «Контроль выполнения заявки» opens:
  executing departments with their «СЭД Дело» numbers, «Плановая дата», «Дата выполнения»,
  a comment, «Сохранить»;
- «Исполнено»: `on_control → resolved`, only once the form is complete and saved as it
  stands (a department added or removed after «Сохранить» needs another «Сохранить»);
- «Не исполнено»: `on_control → reviewed`.

Dates are calendar days on the reception's local clock (`AppealsDeps.time_zone`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from portal.adapters.appeals_orm import Appeal, Department, StatusChange
from portal.adapters.control_orm import AppealControl, ControlDepartment
from portal.adapters.orm import User
from portal.domain.local_time import to_local
from portal.domain.roles import Role
from portal.domain.status import STAFF_LABELS, Status
from portal.errors import Conflict, FieldErrors, Forbidden, FormErrors, InvalidInput, NotFound
from portal.services.appeals import AppealsDeps, is_appeal_staff, load_appeal
from portal.services.appeals_notify import Outgoing
from portal.services.appeals_status import change_status
from portal.text import Text

MAX_COMMENT = 2000
MAX_SED_NUMBER = 100
PLANNED_AHEAD = timedelta(days=5 * 366)
"""«Плановая дата» at most about five years ahead: anything later is a typo."""

PLANNED = Text("«Плановая дата»", "the planned date")
EXECUTED = Text("«Дата выполнения»", "the execution date")


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ControlRow:
    id: int
    department_id: int
    department: str
    sed_number: str


@dataclass(frozen=True)
class ControlView:
    """The form «Контроль выполнения заявки» of one appeal, as stored."""

    departments: list[ControlRow]
    planned_on: date | None
    executed_on: date | None
    comment: str
    started_at: datetime
    saved_at: datetime | None
    editable: bool
    """The appeal is on control: the form may change (afterwards it is a record)."""

    @property
    def saved(self) -> bool:
        return self.saved_at is not None

    @property
    def missing(self) -> list[Text]:
        """What «Исполнено» still needs filled in."""
        missing = []
        if not self.departments:
            missing.append(
                Text(
                    "ведомство-исполнитель с номером СЭД «Дело»",
                    "an executing department with its document-system number",
                )
            )
        if self.planned_on is None:
            missing.append(PLANNED)
        if self.executed_on is None:
            missing.append(EXECUTED)
        return missing

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def ready(self) -> bool:
        """«Исполнено» may be pressed: complete and saved as it stands."""
        return self.complete and self.saved


async def _view(session: AsyncSession, appeal: Appeal) -> ControlView | None:
    control = await session.get(AppealControl, appeal.id)
    if control is None:
        return None
    rows = await session.execute(
        select(ControlDepartment)
        .options(joinedload(ControlDepartment.department))
        .where(ControlDepartment.appeal_id == appeal.id)
        .order_by(ControlDepartment.id)
    )
    return ControlView(
        departments=[
            ControlRow(r.id, r.department_id, r.department.name, r.sed_number)
            for r in rows.scalars()
        ],
        planned_on=control.planned_on,
        executed_on=control.executed_on,
        comment=control.comment,
        started_at=control.started_at,
        saved_at=control.saved_at,
        editable=Status(appeal.status) is Status.ON_CONTROL,
    )


async def load_control(deps: AppealsDeps, appeal_id: int, viewer: User) -> ControlView | None:
    """The control form of an appeal `viewer` (staff) may see; None before «На контроль»."""
    _require_staff(viewer)
    async with deps.db.session() as session:
        appeal = await load_appeal(session, appeal_id, viewer)
        return await _view(session, appeal)


async def control_of(deps: AppealsDeps, appeal_id: int, viewer: User) -> ControlView:
    """Like `load_control`, but an appeal never put on control is "not found" (the API)."""
    view = await load_control(deps, appeal_id, viewer)
    if view is None:
        raise NotFound(
            "Заявка не ставилась на контроль.", en="The appeal has not been put on control."
        )
    return view


# --- checks -------------------------------------------------------------------------------


def _require_staff(user: User) -> None:
    if not is_appeal_staff(user):
        raise Forbidden(
            "Недостаточно прав для этого действия.", en="You are not allowed to do this."
        )


def _require_control(user: User) -> None:
    if not user.has_role(Role.CONTROL):
        raise Forbidden(
            "Это действие доступно только сотруднику контрольного управления.",
            en="Only a control officer may do this.",
        )


async def _on_control(
    session: AsyncSession, appeal_id: int, officer: User
) -> tuple[Appeal, AppealControl]:
    """The appeal and its control record, for a change of the form: only while on control."""
    _require_control(officer)
    appeal = await load_appeal(session, appeal_id, officer)
    control = await session.get(AppealControl, appeal.id)
    if Status(appeal.status) is not Status.ON_CONTROL or control is None:
        raise Conflict(
            "Форму «Контроль выполнения заявки» можно менять, только пока заявка на контроле.",
            en="The control form can be changed only while the appeal is on control.",
        )
    return appeal, control


def parse_day(value: str, name: Text) -> date | None:
    """A date typed into the form: "ГГГГ-ММ-ДД" (what a date field sends) or "ДД.ММ.ГГГГ";
    an empty field is no date. Anything else is refused with the field named."""
    value = value.strip()
    if not value:
        return None
    try:
        if "." in value:
            day, month, year = value.split(".")
            if len(year) != 4:
                raise ValueError(value)
            return date(int(year), int(month), int(day))
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{name.ru[0].upper()}{name.ru[1:]}: укажите дату в виде ДД.ММ.ГГГГ.",
            en=f"{name.en[0].upper()}{name.en[1:]}: enter a date as DD.MM.YYYY.",
        ) from None


def day_problems(
    planned_on: date | None, executed_on: date | None, since: date, today: date
) -> FieldErrors:
    """What is wrong with the form's dates. Both are calendar days no earlier than the
    reception (`since`, when the instructions were given); the execution is a fact, so it
    is not in the future; the plan is not absurdly far ahead."""
    problems: FieldErrors = {}
    shown = since.strftime("%d.%m.%Y")
    latest_plan = today + PLANNED_AHEAD
    for field, day, name in (
        ("planned_on", planned_on, PLANNED),
        ("executed_on", executed_on, EXECUTED),
    ):
        if day is None:
            continue
        if day < since:
            problems[field] = [
                Text(
                    f"{name.ru} не может быть раньше приема ({shown}).",
                    f"{name.en[0].upper()}{name.en[1:]} cannot precede the reception ({shown}).",
                )
            ]
    if executed_on is not None and executed_on > today and "executed_on" not in problems:
        problems["executed_on"] = [
            Text(
                "«Дата выполнения» не может быть позже сегодняшнего дня.",
                "The execution date cannot be in the future.",
            )
        ]
    if planned_on is not None and planned_on > latest_plan and "planned_on" not in problems:
        limit = latest_plan.strftime("%d.%m.%Y")
        problems["planned_on"] = [
            Text(
                f"«Плановая дата» не может быть позже {limit}.",
                f"The planned date cannot be later than {limit}.",
            )
        ]
    return problems


async def _reception_day(session: AsyncSession, appeal: Appeal, deps: AppealsDeps) -> date:
    """The local day the appeal's reception took place (its last change to «Прием прошел»);
    the filing day for an appeal that somehow has none."""
    held_at = await session.scalar(
        select(StatusChange.at)
        .where(StatusChange.appeal_id == appeal.id, StatusChange.target == Status.HELD.value)
        .order_by(StatusChange.at.desc(), StatusChange.id.desc())
        .limit(1)
    )
    return to_local(held_at or appeal.created_at, deps.time_zone).date()


# --- status changes -----------------------------------------------------------------------


def _expect(appeal: Appeal, source: Status, label: str, action: str) -> None:
    """Each button acts from one status only: «Рассмотрено» and «Не исполнено» both lead
    to «Рассмотрена», so the target alone does not say which was pressed."""
    if Status(appeal.status) is not source:
        raise Conflict(
            f"Действие «{label}» возможно только для заявки в статусе «{STAFF_LABELS[source]}».",
            en=f"The action {action!r} is possible only in status {source.value!r}.",
        )


async def _change(
    deps: AppealsDeps,
    session: AsyncSession,
    appeal: Appeal,
    target: Status,
    officer: User,
    comment: str,
) -> Outgoing:
    outgoing = Outgoing()
    await change_status(
        session,
        appeal,
        target,
        officer,
        deps.clock.now(),
        outgoing,
        comment=_comment(comment),
        link=deps.link(appeal.id, staff=False),
    )
    return outgoing


def _comment(comment: str) -> str:
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(
            f"Комментарий длиннее {MAX_COMMENT} символов.",
            en=f"The comment is longer than {MAX_COMMENT} characters.",
        )
    return comment


async def review(deps: AppealsDeps, appeal_id: int, officer: User, comment: str = "") -> None:
    """«Рассмотрено»: the reception gave no instructions (`held → reviewed`)."""
    _require_control(officer)
    async with deps.db.session() as session, session.begin():
        appeal = await load_appeal(session, appeal_id, officer)
        _expect(appeal, Status.HELD, "Рассмотрено", "review")
        outgoing = await _change(deps, session, appeal, Status.REVIEWED, officer, comment)
    await outgoing.deliver(deps.mailer)


async def put_on_control(
    deps: AppealsDeps, appeal_id: int, officer: User, comment: str = ""
) -> None:
    """«На контроль» (`held → on_control`): the form «Контроль выполнения заявки» opens."""
    _require_control(officer)
    async with deps.db.session() as session, session.begin():
        appeal = await load_appeal(session, appeal_id, officer)
        _expect(appeal, Status.HELD, "На контроль", "put_on_control")
        outgoing = await _change(deps, session, appeal, Status.ON_CONTROL, officer, comment)
        if await session.get(AppealControl, appeal.id) is None:
            session.add(AppealControl(appeal_id=appeal.id, comment="", started_at=deps.clock.now()))
    await outgoing.deliver(deps.mailer)


async def resolve(deps: AppealsDeps, appeal_id: int, officer: User, comment: str = "") -> None:
    """«Исполнено» (`on_control → resolved`): refused until the form is complete and saved."""
    _require_control(officer)
    async with deps.db.session() as session, session.begin():
        appeal = await load_appeal(session, appeal_id, officer)
        _expect(appeal, Status.ON_CONTROL, "Исполнено", "resolve")
        view = await _view(session, appeal) or ControlView(
            [], None, None, "", deps.clock.now(), None, editable=True
        )
        if not view.complete:
            raise InvalidInput(
                "Чтобы отметить «Исполнено», заполните форму «Контроль выполнения заявки»: "
                + ", ".join(m.ru for m in view.missing)
                + ".",
                en="To mark the appeal resolved, complete the control form: "
                + ", ".join(m.en for m in view.missing)
                + ".",
            )
        if not view.saved:
            raise Conflict(
                "Сохраните форму «Контроль выполнения заявки», затем нажмите «Исполнено».",
                en="Save the control form first, then mark the appeal resolved.",
            )
        outgoing = await _change(deps, session, appeal, Status.RESOLVED, officer, comment)
    await outgoing.deliver(deps.mailer)


async def not_resolved(deps: AppealsDeps, appeal_id: int, officer: User, comment: str = "") -> None:
    """«Не исполнено» (`on_control → reviewed`): the instructions were not executed."""
    _require_control(officer)
    async with deps.db.session() as session, session.begin():
        appeal = await load_appeal(session, appeal_id, officer)
        _expect(appeal, Status.ON_CONTROL, "Не исполнено", "not_resolved")
        outgoing = await _change(deps, session, appeal, Status.REVIEWED, officer, comment)
    await outgoing.deliver(deps.mailer)


# --- the form -----------------------------------------------------------------------------


async def add_department(
    deps: AppealsDeps, appeal_id: int, officer: User, department_id: int, sed_number: str
) -> None:
    """Add an executing department with its «СЭД Дело» number (or renumber one already
    listed). The form then has a change to save."""
    sed_number = sed_number.strip()
    if not sed_number:
        raise InvalidInput(
            "Укажите номер в СЭД «Дело».", en="The document-system number is required."
        )
    if len(sed_number) > MAX_SED_NUMBER:
        raise InvalidInput(
            "Номер в СЭД слишком длинный.", en="The document-system number is too long."
        )
    async with deps.db.session() as session, session.begin():
        _, control = await _on_control(session, appeal_id, officer)
        department = await session.get(Department, department_id)
        if department is None or not department.is_active:
            raise InvalidInput(
                "Выберите ведомство из списка.", en="Choose a department from the list."
            )
        row = (
            await session.execute(
                select(ControlDepartment).where(
                    ControlDepartment.appeal_id == control.appeal_id,
                    ControlDepartment.department_id == department.id,
                )
            )
        ).scalar_one_or_none()
        if row is None:
            session.add(
                ControlDepartment(
                    appeal_id=control.appeal_id,
                    department_id=department.id,
                    sed_number=sed_number,
                    added_at=deps.clock.now(),
                )
            )
        elif row.sed_number != sed_number:
            row.sed_number = sed_number
        else:
            return  # nothing changed: the form stays as saved
        control.saved_at = None


async def remove_department(deps: AppealsDeps, appeal_id: int, officer: User, item_id: int) -> None:
    """«Удалить»: the department and its number leave the list; the form has a change."""
    async with deps.db.session() as session, session.begin():
        _, control = await _on_control(session, appeal_id, officer)
        row = await session.get(ControlDepartment, item_id)
        if row is None or row.appeal_id != control.appeal_id:
            raise NotFound("Ведомство не найдено в списке.", en="Department not in the list.")
        await session.delete(row)
        control.saved_at = None


async def save_form(
    deps: AppealsDeps,
    appeal_id: int,
    officer: User,
    planned_on: date | None,
    executed_on: date | None,
    comment: str,
) -> None:
    """«Сохранить»: the dates and the comment; the form is then saved as it stands. A form
    may be saved unfinished (the execution date comes when the work is done)."""
    comment = comment.replace("\r\n", "\n").strip()
    if len(comment) > MAX_COMMENT:
        raise FormErrors(
            {
                "comment": [
                    Text(
                        f"Комментарий длиннее {MAX_COMMENT} символов.",
                        f"The comment is longer than {MAX_COMMENT} characters.",
                    )
                ]
            }
        )
    async with deps.db.session() as session, session.begin():
        appeal, control = await _on_control(session, appeal_id, officer)
        today = to_local(deps.clock.now(), deps.time_zone).date()
        since = await _reception_day(session, appeal, deps)
        problems = day_problems(planned_on, executed_on, since, today)
        if problems:
            raise FormErrors(problems)
        control.planned_on = planned_on
        control.executed_on = executed_on
        control.comment = comment
        control.saved_at = deps.clock.now()
        control.saved_by = officer.id
