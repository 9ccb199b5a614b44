"""The portal bench's reception data set is one the portal could have written: every
appeal's history follows the status machine, and the calendar keeps the planning rules."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from bench.portal.__main__ import table
from bench.portal.dataset import ReceptionsFixture, calendar, moments, status_path
from bench.portal.journal import Result
from bench.portal.receptions import PageResult, cases
from portal.domain.receptions import PLAN_AHEAD
from portal.domain.roles import Role
from portal.domain.status import SYSTEM, Status, check
from signaling.protocol.receptions import ReceptionState

NOW = datetime(2026, 3, 15, 21, 30, tzinfo=UTC)


@pytest.mark.parametrize("final", list(Status))
@pytest.mark.parametrize("missed", [0, 1, 2])
def test_every_step_of_a_history_is_a_move_of_the_status_machine(
    final: Status, missed: int
) -> None:
    path = status_path(final, missed)
    assert path[0] is Status.NEW
    assert path[-1] is final
    for source, target in pairwise(path):
        check(source, target, [*Role, SYSTEM])


def test_a_queued_appeal_has_reached_recommended_and_each_missed_reception_shows() -> None:
    for final in (Status.PREPARING, Status.INVITED, Status.CONFIRMED, Status.HELD):
        assert Status.RECOMMENDED in status_path(final)
    assert status_path(Status.PREPARING, 2).count(Status.AT_RECEPTION) == 2
    assert status_path(Status.ANSWERED) == [Status.NEW, Status.IN_WORK, Status.ANSWERED]


def test_the_calendar_ends_the_past_and_plans_the_future_within_a_year() -> None:
    slots = calendar(1000, NOW, random.Random(1))
    states = [s.state for s in slots]
    assert states.count(ReceptionState.PLANNED) == 50
    assert states.count(ReceptionState.CANCELLED) == 20
    assert states.count(ReceptionState.ENDED) == 930
    assert [s.starts_at for s in slots] == sorted(s.starts_at for s in slots)
    for slot in slots:
        assert slot.starts_at < slot.ends_at
        if slot.state is ReceptionState.ENDED:
            assert NOW - timedelta(days=731) < slot.starts_at
            assert slot.ends_at < NOW
        if slot.state is ReceptionState.PLANNED:
            assert NOW < slot.starts_at < NOW + PLAN_AHEAD


def test_one_reception_is_an_ended_one() -> None:
    assert [s.state for s in calendar(1, NOW, random.Random(1))] == [ReceptionState.ENDED]


def test_moments_are_evenly_apart_from_start_to_end() -> None:
    start = NOW - timedelta(days=4)
    assert moments(start, NOW, 3) == [start, start + timedelta(days=2), NOW]
    assert moments(start, NOW, 1) == [start]
    assert moments(NOW, start, 2) == [NOW, NOW]


def test_cases_use_the_pages_query_parameters() -> None:
    urls = cases(ReceptionsFixture("organizer", "citizen@example.ru", 42))
    assert urls[("planning", "page_10")] == ("organizer", "/staff/planning?page=10")
    assert urls[("schedule", "future")] == ("organizer", "/receptions?category=future")
    assert urls[("schedule", "citizen_all")] == ("citizen", "/receptions")
    assert urls[("reception", "ended_15_seats")] == ("organizer", "/receptions/42")


def test_the_table_marks_a_slow_case_and_counts_queries_of_the_reception_pages() -> None:
    lines = table(
        [
            Result("sqlite", "page", "list", 40.0, 60.0, 40),
            PageResult("sqlite", "planning", "first_page", 80.0, 120.0, 40, 7),
        ]
    ).splitlines()
    assert lines[0].split() == [
        "backend",
        "target",
        "scenario",
        "p50",
        "ms",
        "p95",
        "ms",
        "queries",
    ]
    assert "over target" not in lines[1]
    assert lines[2].endswith("7  over target")
