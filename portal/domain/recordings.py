"""A published recording's states, and the WebVTT chapters track of its player.

The state moves only through conditional updates in portal.services (a row is
`converting` while its webm is made, then `published` or `failed`; «Снять с
публикации» makes it `withdrawn`; a new upload makes it `converting` again).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class RecordingState(enum.StrEnum):
    CONVERTING = "converting"
    PUBLISHED = "published"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"


STATE_LABELS: dict[RecordingState, str] = {
    RecordingState.CONVERTING: "Преобразование в webm",
    RecordingState.PUBLISHED: "Опубликовано",
    RecordingState.FAILED: "Ошибка преобразования",
    RecordingState.WITHDRAWN: "Снято с публикации",
}


@dataclass(frozen=True, slots=True)
class Chapter:
    start_s: float
    end_s: float
    text: str

    @property
    def clock(self) -> str:
        """Where it starts, as the player shows it (H:MM:SS)."""
        minutes, seconds = divmod(int(self.start_s), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}"


def vtt_time(seconds: float) -> str:
    """`HH:MM:SS.mmm`, the one timestamp form every WebVTT parser takes."""
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def vtt_escape(text: str) -> str:
    """Cue text as plain text: `&`, `<` and `>` escaped (so no tag and no `-->`), and
    line breaks folded, since a blank line would end the cue."""
    folded = " ".join(text.split())
    return folded.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(chapters: list[Chapter]) -> str:
    lines = ["WEBVTT", ""]
    for number, chapter in enumerate(chapters, 1):
        lines += [
            f"chapter-{number}",
            f"{vtt_time(chapter.start_s)} --> {vtt_time(chapter.end_s)}",
            vtt_escape(chapter.text),
            "",
        ]
    return "\n".join(lines)


def stretches_to_chapters(
    stretches: list[tuple[float, float | None, str]], duration_s: float
) -> list[Chapter]:
    """Chapters from (start, end or None while still on air, text), seconds from the
    recording's start: in order, cut at the next chapter's start (chapters do not
    overlap) and at the recording's end; what falls outside the recording is left out."""
    ordered = sorted((max(0.0, s), e, t) for s, e, t in stretches if e is None or e > max(0.0, s))
    chapters = []
    for index, (start, end, text) in enumerate(ordered):
        if start >= duration_s:
            break
        stop = duration_s if end is None else min(end, duration_s)
        if index + 1 < len(ordered):
            stop = min(stop, ordered[index + 1][0])
        if stop > start:
            chapters.append(Chapter(start, stop, text))
    return chapters


def short_name(surname: str, name: str, patronymic: str) -> str:
    """«Иванов И. И.»: how a citizen is named in a published recording's chapters."""
    initials = " ".join(f"{part[0]}." for part in (name, patronymic) if part)
    return " ".join(p for p in (surname, initials) if p)
