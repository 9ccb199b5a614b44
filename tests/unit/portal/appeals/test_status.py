"""The status machine table: every allowed change, every forbidden one, and who may act."""

from __future__ import annotations

import itertools

import pytest

from portal.domain import status as machine
from portal.domain.roles import Role
from portal.domain.status import (
    CITIZEN_LABELS,
    FINAL,
    STAFF_LABELS,
    SYSTEM,
    ForbiddenTransition,
    Status,
    TransitionNotAllowed,
)

ALLOWED: dict[tuple[Status, Status], set[object]] = {
    (Status.NEW, Status.IN_WORK): {Role.DEPARTMENT},
    (Status.IN_WORK, Status.RECOMMENDED): {Role.DEPARTMENT},
    (Status.NEW, Status.ANSWERED): {Role.DEPARTMENT},
    (Status.IN_WORK, Status.ANSWERED): {Role.DEPARTMENT},
    (Status.RECOMMENDED, Status.PREPARING): {Role.ORGANIZER},
    (Status.RECOMMENDED, Status.ANSWERED): {Role.ORGANIZER},
    (Status.PREPARING, Status.ANSWERED): {Role.ORGANIZER},
    (Status.PREPARING, Status.INVITED): {Role.ORGANIZER},
    (Status.INVITED, Status.PREPARING): {Role.ORGANIZER, Role.CITIZEN, SYSTEM},
    (Status.CONFIRMED, Status.PREPARING): {Role.ORGANIZER, Role.CITIZEN, SYSTEM},
    (Status.AT_RECEPTION, Status.PREPARING): {SYSTEM},
    (Status.INVITED, Status.CONFIRMED): {Role.CITIZEN},
    (Status.CONFIRMED, Status.AT_RECEPTION): {SYSTEM},
    (Status.AT_RECEPTION, Status.HELD): {SYSTEM},
    (Status.HELD, Status.REVIEWED): {Role.CONTROL},
    (Status.HELD, Status.ON_CONTROL): {Role.CONTROL},
    (Status.ON_CONTROL, Status.RESOLVED): {Role.CONTROL},
    (Status.ON_CONTROL, Status.REVIEWED): {Role.CONTROL},
    **{
        (s, Status.WITHDRAWN): {Role.CITIZEN}
        for s in (
            Status.NEW,
            Status.IN_WORK,
            Status.RECOMMENDED,
            Status.PREPARING,
            Status.INVITED,
            Status.CONFIRMED,
        )
    },
}
"""SPEC §3 written out by hand, independently of the module's table."""

EVERYONE: set[machine.Actor] = {*Role, SYSTEM}


def test_table_is_exactly_the_spec() -> None:
    table: dict[tuple[Status, Status], set[object]] = {}
    for rule in machine.RULES:
        table.setdefault((rule.source, rule.target), set()).add(rule.actor)
    assert table == ALLOWED


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_allowed_changes_pass_for_their_actor_only(source: Status, target: Status) -> None:
    for actor in EVERYONE:
        if actor in ALLOWED[(source, target)]:
            assert machine.check(source, target, [actor]).target is target
        else:
            with pytest.raises(TransitionNotAllowed) as caught:
                machine.check(source, target, [actor])
            assert caught.value.status == 403


FORBIDDEN = [pair for pair in itertools.product(Status, Status) if pair not in ALLOWED]


@pytest.mark.parametrize(("source", "target"), FORBIDDEN)
def test_every_other_change_is_refused_with_a_clear_message(source: Status, target: Status) -> None:
    with pytest.raises(ForbiddenTransition) as caught:
        machine.check(source, target, EVERYONE)
    error = caught.value
    assert error.code == "forbidden_transition"
    assert error.status == 409
    assert f"«{STAFF_LABELS[source]}»" in error.text.ru
    assert f"«{STAFF_LABELS[target]}»" in error.text.ru
    assert repr(source.value) in error.text.en
    assert repr(target.value) in error.text.en


def test_final_statuses_have_no_way_out() -> None:
    assert {r.source for r in machine.RULES}.isdisjoint(FINAL)
    assert {Status.ANSWERED, Status.WITHDRAWN, Status.RESOLVED, Status.REVIEWED} == FINAL


def test_citizen_sees_the_simplified_labels_of_seed_002() -> None:
    assert CITIZEN_LABELS[Status.RECOMMENDED] == "В работе"
    assert CITIZEN_LABELS[Status.ON_CONTROL] == "Прием прошел"
    assert CITIZEN_LABELS[Status.REVIEWED] == "Прием прошел"
    assert set(CITIZEN_LABELS.values()) == {
        "Новая",
        "В работе",
        "Подготовка к участию",
        "Приглашен на прием",
        "Приглашение подтверждено",
        "На приеме",
        "Прием прошел",
        "Решена",
        "Дан ответ",
        "Отозвана",
    }


def test_available_lists_the_buttons_of_a_role() -> None:
    labels = [r.label for r in machine.available(Status.NEW, [Role.DEPARTMENT])]
    assert labels == ["Направить в работу", "Дать ответ"]
    assert machine.available(Status.NEW, [Role.CONTROL]) == []
    assert [r.action for r in machine.available(Status.INVITED, [Role.CITIZEN])] == [
        "confirm",
        "decline",
        "withdraw",
    ]
