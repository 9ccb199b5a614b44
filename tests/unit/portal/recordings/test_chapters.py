"""The chapters track: WebVTT timestamps and escaping, stretches cut so chapters never
overlap nor pass the recording's end, and stretches read from a timeline."""

from __future__ import annotations

from portal.domain.recordings import Chapter, short_name, stretches_to_chapters, webvtt
from portal.services.recordings_chapters import on_air_stretches, start_of


def test_cue_text_cannot_break_out_of_its_cue() -> None:
    text = "Петров <b>П.</b> & Co --> далее\n\nWEBVTT"
    track = webvtt([Chapter(0, 3661.5, text)])
    assert track == (
        "WEBVTT\n\nchapter-1\n00:00:00.000 --> 01:01:01.500\n"
        "Петров &lt;b&gt;П.&lt;/b&gt; &amp; Co --&gt; далее WEBVTT\n"
    )


def test_chapters_are_cut_at_the_next_one_and_at_the_end() -> None:
    chapters = stretches_to_chapters(
        [(50.0, 70.0, "B"), (-3.0, 60.0, "A"), (90.0, None, "C"), (200.0, 210.0, "late")],
        duration_s=120.0,
    )
    assert chapters == [
        Chapter(0.0, 50.0, "A"),
        Chapter(50.0, 70.0, "B"),
        Chapter(90.0, 120.0, "C"),
    ]


def test_a_stretch_ends_when_the_citizen_leaves_the_air_or_the_conference() -> None:
    def air(at: float, user: str, role: str, on: bool = True) -> dict[str, object]:
        return {"kind": "on_air", "at": at, "user_id": user, "role": role, "detail": {"on_air": on}}

    events = [
        {"kind": "live", "at": 100.0},
        air(110, "7", "citizen"),
        {"kind": "left", "at": 130, "user_id": "7"},
        air(120, "8", "host"),
        air(140, "9", "citizen"),
        air(141, "9", "citizen"),
        air(150, "bad", "citizen"),
        air(155, "10", "citizen", on=False),
    ]
    start = start_of(events, None)
    assert start == 100.0
    assert sorted(on_air_stretches(events, start)) == [(10.0, 30.0, 7), (40.0, None, 9)]


def test_short_names() -> None:
    assert short_name("Иванов", "Иван", "Ильич") == "Иванов И. И."
    assert short_name("Иванов", "Иван", "") == "Иванов И."
