"""The appeal status machine of SPEC §3: one table, one check.

Every status change in the portal is looked up here: `(from, to)` gives who may make it
and under which action name. Statuses that reception planning and control will use later
are in the table already, so those areas only add handlers, never rules.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from portal.domain.roles import Role
from portal.errors import PortalError


class Status(enum.StrEnum):
    NEW = "new"
    IN_WORK = "in_work"
    RECOMMENDED = "recommended"
    PREPARING = "preparing"
    INVITED = "invited"
    CONFIRMED = "confirmed"
    AT_RECEPTION = "at_reception"
    HELD = "held"
    ON_CONTROL = "on_control"
    RESOLVED = "resolved"
    REVIEWED = "reviewed"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"


STAFF_LABELS: dict[Status, str] = {
    Status.NEW: "Новая",
    Status.IN_WORK: "В работе",
    Status.RECOMMENDED: "Рекомендована",
    Status.PREPARING: "Подготовка к участию",
    Status.INVITED: "Приглашен на прием",
    Status.CONFIRMED: "Приглашение подтверждено",
    Status.AT_RECEPTION: "На приеме",
    Status.HELD: "Прием прошел",
    Status.ON_CONTROL: "На контроле",
    Status.RESOLVED: "Решена",
    Status.REVIEWED: "Рассмотрена",
    Status.ANSWERED: "Дан ответ",
    Status.WITHDRAWN: "Отозвана",
}

CITIZEN_LABELS: dict[Status, str] = {
    **STAFF_LABELS,
    # The citizen's simplified list (seed 002): internal steps fold into what they mean to them.
    Status.RECOMMENDED: STAFF_LABELS[Status.IN_WORK],
    Status.ON_CONTROL: STAFF_LABELS[Status.HELD],
    Status.REVIEWED: STAFF_LABELS[Status.HELD],
}

FINAL = frozenset({Status.ANSWERED, Status.WITHDRAWN, Status.RESOLVED, Status.REVIEWED})
"""No transition leaves these."""


def citizen_status(status: Status) -> Status:
    """The status a citizen sees: the one whose label is shown to them."""
    return {
        Status.RECOMMENDED: Status.IN_WORK,
        Status.ON_CONTROL: Status.HELD,
        Status.REVIEWED: Status.HELD,
    }.get(status, status)


SYSTEM = "system"
"""The actor of changes nobody clicks: a reception going live or ending."""

Actor = Role | str


@dataclass(frozen=True, slots=True)
class Rule:
    source: Status
    target: Status
    actor: Actor
    action: str
    """Stable action name, e.g. for the API and the history."""
    label: str
    """The button of seed 002 that makes this change."""


def _rules() -> tuple[Rule, ...]:
    s, r = Status, Role
    withdrawable = (s.NEW, s.IN_WORK, s.RECOMMENDED, s.PREPARING, s.INVITED, s.CONFIRMED)
    return (
        Rule(s.NEW, s.IN_WORK, r.DEPARTMENT, "start_work", "Направить в работу"),
        Rule(s.IN_WORK, s.RECOMMENDED, r.DEPARTMENT, "recommend", "Рекомендовать к приему"),
        Rule(s.NEW, s.ANSWERED, r.DEPARTMENT, "answer", "Дать ответ"),
        Rule(s.IN_WORK, s.ANSWERED, r.DEPARTMENT, "answer", "Дать ответ"),
        Rule(s.RECOMMENDED, s.PREPARING, r.ORGANIZER, "queue", "В очередь на прием"),
        Rule(s.RECOMMENDED, s.ANSWERED, r.ORGANIZER, "answer", "Дать ответ"),
        Rule(s.PREPARING, s.ANSWERED, r.ORGANIZER, "answer", "Дать ответ"),
        Rule(s.PREPARING, s.INVITED, r.ORGANIZER, "invite", "Выслать приглашение"),
        Rule(s.INVITED, s.PREPARING, r.ORGANIZER, "remove_from_reception", "Убрать из списка"),
        Rule(s.CONFIRMED, s.PREPARING, r.ORGANIZER, "remove_from_reception", "Убрать из списка"),
        Rule(s.INVITED, s.CONFIRMED, r.CITIZEN, "confirm", "Подтвердить участие"),
        Rule(s.INVITED, s.PREPARING, r.CITIZEN, "decline", "Отказаться от приема"),
        Rule(s.CONFIRMED, s.PREPARING, r.CITIZEN, "decline", "Отказаться от приема"),
        *(Rule(w, s.WITHDRAWN, r.CITIZEN, "withdraw", "Отозвать заявку") for w in withdrawable),
        Rule(s.CONFIRMED, s.AT_RECEPTION, SYSTEM, "reception_live", "Прием начался"),
        Rule(s.AT_RECEPTION, s.HELD, SYSTEM, "reception_ended", "Прием закончился"),
        # A reception that ends without the citizen sends the appeal back to planning.
        Rule(s.AT_RECEPTION, s.PREPARING, SYSTEM, "absent", "Гражданин не участвовал в приеме"),
        Rule(s.INVITED, s.PREPARING, SYSTEM, "reception_missed", "Прием прошел без ответа"),
        Rule(s.CONFIRMED, s.PREPARING, SYSTEM, "reception_missed", "Прием не состоялся"),
        Rule(s.HELD, s.REVIEWED, r.CONTROL, "review", "Рассмотрено"),
        Rule(s.HELD, s.ON_CONTROL, r.CONTROL, "put_on_control", "На контроль"),
        Rule(s.ON_CONTROL, s.RESOLVED, r.CONTROL, "resolve", "Исполнено"),
        Rule(s.ON_CONTROL, s.REVIEWED, r.CONTROL, "not_resolved", "Не исполнено"),
    )


RULES: tuple[Rule, ...] = _rules()

_BY_PAIR: dict[tuple[Status, Status], list[Rule]] = {}
for _rule in RULES:
    _BY_PAIR.setdefault((_rule.source, _rule.target), []).append(_rule)


class ForbiddenTransition(PortalError):
    """No rule moves an appeal between these two statuses, whoever asks."""

    code = "forbidden_transition"
    status = 409

    def __init__(self, source: Status, target: Status) -> None:
        self.source, self.target = source, target
        super().__init__(
            f"Нельзя перевести заявку из статуса «{STAFF_LABELS[source]}» "
            f"в статус «{STAFF_LABELS[target]}».",
            en=f"An appeal cannot go from status {source.value!r} to {target.value!r}.",
        )


class TransitionNotAllowed(PortalError):
    """The change exists, but not for this actor (e.g. a citizen recommending their appeal)."""

    code = "transition_not_allowed"
    status = 403

    def __init__(self, rule: Rule) -> None:
        self.source, self.target = rule.source, rule.target
        super().__init__(
            f"Действие «{rule.label}» вам недоступно.",
            en=f"The action {rule.action!r} is not available to you.",
        )


def check(source: Status, target: Status, actors: Iterable[Actor]) -> Rule:
    """The rule allowing `source → target` to one of `actors`, or a named error."""
    rules = _BY_PAIR.get((source, target))
    if not rules:
        raise ForbiddenTransition(source, target)
    held = set(actors)
    for rule in rules:
        if rule.actor in held:
            return rule
    raise TransitionNotAllowed(rules[0])


def available(source: Status, actors: Iterable[Actor]) -> list[Rule]:
    """Changes `actors` may make from `source`, in table order (for buttons)."""
    held = set(actors)
    return [rule for rule in RULES if rule.source == source and rule.actor in held]
