"""The planning page's links keep the lists' state; only the default pages are left out."""

from portal.web.planning import _planning_link


def test_the_first_appeal_can_be_chosen_for_enrolment() -> None:
    # An appeal id of 1 is an id, not the default page: dropping it left the first appeal
    # of a fresh portal without its «Записать» form.
    assert _planning_link(q="", page=1, rpage=1, enroll=1) == "/staff/planning?enroll=1"


def test_default_pages_are_left_out_and_others_kept() -> None:
    assert _planning_link(q="", page=1, rpage=1) == "/staff/planning"
    assert _planning_link(q="яма", page=2, rpage=1) == "/staff/planning?q=%D1%8F%D0%BC%D0%B0&page=2"
