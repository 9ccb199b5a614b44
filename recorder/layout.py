"""What the composed recording shows and plays at each moment, from the reception's
timeline (`timeline.py`) alone: pure, so every rule is tested without media.

The reception runs from its "live" event to its "ended" event. At each moment:

- shown: the host while present (always on air), everyone else while present and on air;
  nobody held. A participant whose video the moderator muted is shown as a card (a dark
  tile), never dropped from the picture;
- heard: the same people, less those whose audio the moderator muted, each at the
  microphone level the moderator set (`set_mic_level`, dB), reset when they leave;
- arranged by the moderator's default layout: tribune (auto or click) puts the current
  speaker large and the others in a strip under it; single speaker shows the speaker
  alone, the host in a corner; grid gives everyone an equal cell.

The speaker is the latest voice-activity speaker who is shown; a spell shorter than
`MIN_SPELL_S` is ignored (voice activity flickers, a picture that jumps is unwatchable),
and "nobody speaks" keeps the last speaker large. Without one (no "speaker" events, or
the speaker left the air) it is whoever was given the floor last, else the host.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

WIDTH = 1280
HEIGHT = 720
STRIP_HEIGHT = 180
"""The tribune's strip of small tiles under the large one."""
MIN_SPELL_S = 1.0

TRIBUNE = ("tribune_auto", "tribune_click")
SINGLE = "single_speaker"
GRID = "grid"
DEFAULT_LAYOUT = "tribune_auto"


@dataclass(frozen=True, slots=True)
class Rect:
    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True, slots=True)
class Tile:
    participant_id: str
    rect: Rect
    large: bool
    video: bool
    """False when the moderator muted the participant's video: the card alone."""


@dataclass(frozen=True, slots=True)
class Segment:
    start: float
    """Seconds from the reception's start."""
    end: float
    layout: str
    speaker: str | None
    tiles: tuple[Tile, ...]
    gains: Mapping[str, float]
    """Participant id -> linear gain, for those heard (absent: silent)."""


@dataclass(frozen=True, slots=True)
class Person:
    participant_id: str
    name: str | None
    role: str | None


@dataclass(frozen=True, slots=True)
class Plan:
    started_at: float
    """Unix time of the reception's start: segment times count from here."""
    ended_at: float
    segments: list[Segment]
    people: dict[str, Person]

    @property
    def duration(self) -> float:
        return self.ended_at - self.started_at


@dataclass(slots=True)
class _State:
    role: str | None = None
    name: str | None = None
    present: bool = False
    on_air: bool = False
    held: bool = False
    muted_audio: bool = False
    muted_video: bool = False
    gain_db: float = 0.0
    floor_at: float = -math.inf
    """When the floor was last given: the order of the strip and the fallback speaker."""

    def shown(self) -> bool:
        if not self.present or self.held or self.role == "observer":
            return False
        return self.role == "host" or self.on_air

    def leave(self) -> None:
        """A participant who leaves comes back as a new one: floor, mutes, level reset."""
        self.present = self.on_air = self.held = self.muted_audio = self.muted_video = False
        self.gain_db = 0.0
        self.floor_at = -math.inf


@dataclass(slots=True)
class _Room:
    people: dict[str, _State] = field(default_factory=dict)
    layout: str = DEFAULT_LAYOUT
    voice: str | None = None

    def person(self, user_id: str) -> _State:
        return self.people.setdefault(user_id, _State())


def plan(
    events: Iterable[Mapping[str, Any]],
    media_span: tuple[float, float] | None = None,
) -> Plan:
    """The segments of the composition, back to back from 0 to the duration.
    `media_span` (the first and last packet's arrival) stands in for a missing "live" or
    "ended" event (a node killed mid-reception)."""
    ordered = sorted(
        (e for e in events if isinstance(e.get("at"), int | float)), key=lambda e: e["at"]
    )
    start, end = _span(ordered, media_span)
    speakers = steady_speakers(ordered)
    moments = sorted({start, *(e["at"] for e in ordered if start < e["at"] < end)})
    room = _Room()
    segments: list[Segment] = []
    applied = spoken = 0
    for moment in moments if end > start else []:
        while applied < len(ordered) and ordered[applied]["at"] <= moment:
            _apply(room, ordered[applied])
            applied += 1
        while spoken < len(speakers) and speakers[spoken][0] <= moment:
            room.voice = speakers[spoken][1]
            spoken += 1
        segment = _segment(room, moment - start, end - start)
        if segments and _same(segments[-1], segment):
            continue
        if segments:
            last = segments[-1]
            segments[-1] = Segment(
                last.start, segment.start, last.layout, last.speaker, last.tiles, last.gains
            )
        segments.append(segment)
    people = {uid: Person(uid, state.name, state.role) for uid, state in room.people.items()}
    return Plan(start, end, segments, people)


def _span(
    ordered: list[Mapping[str, Any]], media_span: tuple[float, float] | None
) -> tuple[float, float]:
    def first(kind: str) -> float | None:
        return next((float(e["at"]) for e in ordered if e.get("kind") == kind), None)

    start = first("live")
    if start is None:
        start = media_span[0] if media_span else float(ordered[0]["at"]) if ordered else 0.0
    end = first("ended")
    if end is None:
        known = [float(e["at"]) for e in ordered] + ([media_span[1]] if media_span else [])
        end = max(known, default=start)
    return start, max(start, end)


def steady_speakers(ordered: list[Mapping[str, Any]]) -> list[tuple[float, str]]:
    """(since, user id) of each voice-activity spell that lasted `MIN_SPELL_S` or more
    (the last one counts whatever its length); "nobody speaks" ends no spell."""
    spells: list[tuple[float, str]] = []
    for event in ordered:
        user_id = event.get("user_id")
        same = bool(spells) and spells[-1][1] == user_id
        if event.get("kind") == "speaker" and isinstance(user_id, str) and not same:
            spells.append((float(event["at"]), user_id))
    steady: list[tuple[float, str]] = []
    for index, (at, user_id) in enumerate(spells):
        following = spells[index + 1][0] if index + 1 < len(spells) else math.inf
        if following - at < MIN_SPELL_S:
            continue
        if not steady or steady[-1][1] != user_id:
            steady.append((at, user_id))
    return steady


def _apply(room: _Room, event: Mapping[str, Any]) -> None:
    kind = event.get("kind")
    detail = event.get("detail") or {}
    user_id = event.get("user_id")
    if kind == "moderated" and event.get("action") == "set_layout":
        if detail.get("layout") in (*TRIBUNE, SINGLE, GRID):
            room.layout = detail["layout"]
        return
    if not isinstance(user_id, str) or kind not in ("joined", "left", "on_air", "moderated"):
        return
    person = room.person(user_id)
    if kind == "joined":
        person.present = True
        person.role = event.get("role") or person.role
        name = detail.get("name")
        person.name = name if isinstance(name, str) and name else person.name
    elif kind == "left":
        person.leave()
    elif kind == "on_air" or event.get("action") == "set_floor":
        _floor(person, bool(detail.get("on_air")), float(event["at"]))
    elif event.get("action") == "mute" and detail.get("kind") in ("audio", "video"):
        setattr(person, f"muted_{detail['kind']}", bool(detail.get("muted")))
    elif event.get("action") == "hold":
        person.held = bool(detail.get("held"))
    elif event.get("action") == "set_mic_level" and isinstance(detail.get("gain_db"), int | float):
        person.gain_db = float(detail["gain_db"])


def _floor(person: _State, on_air: bool, at: float) -> None:
    if on_air and not person.on_air:
        person.floor_at = at
    person.on_air = on_air
    person.present = person.present or on_air  # on air without a "joined" line: present


def _segment(room: _Room, start: float, end: float) -> Segment:
    shown = sorted(
        (uid for uid, state in room.people.items() if state.shown()),
        key=lambda uid: (room.people[uid].role != "host", room.people[uid].floor_at, uid),
    )
    if room.voice not in shown:
        room.voice = None  # back on air later, they are large again only once they speak
    speaker = room.voice or _fallback_speaker(room, shown)
    tiles = _arrange(room.layout, speaker, shown, room)
    gains = {
        uid: 10 ** (room.people[uid].gain_db / 20)
        for uid in shown
        if not room.people[uid].muted_audio
    }
    return Segment(start, end, room.layout, speaker, tiles, gains)


def _fallback_speaker(room: _Room, shown: list[str]) -> str | None:
    given = [uid for uid in shown if room.people[uid].role != "host"]
    if given:
        return max(given, key=lambda uid: room.people[uid].floor_at)
    return shown[0] if shown else None


def _arrange(layout: str, speaker: str | None, shown: list[str], room: _Room) -> tuple[Tile, ...]:
    def tile(uid: str, rect: Rect, large: bool) -> Tile:
        return Tile(uid, rect, large, not room.people[uid].muted_video)

    if not shown or speaker is None:
        return ()
    full = Rect(0, 0, WIDTH, HEIGHT)
    others = [uid for uid in shown if uid != speaker]
    if layout == GRID:
        return tuple(
            tile(uid, rect, False) for uid, rect in zip(shown, grid(len(shown)), strict=True)
        )
    if layout == SINGLE:
        corner = [uid for uid in others if room.people[uid].role == "host"]
        pip = Rect(WIDTH - 320 - 16, HEIGHT - 180 - 16, 320, 180)
        return (tile(speaker, full, True), *(tile(uid, pip, False) for uid in corner))
    if not others:
        return (tile(speaker, full, True),)
    large = Rect((WIDTH - 960) // 2, 0, 960, HEIGHT - STRIP_HEIGHT)
    return (
        tile(speaker, large, True),
        *(tile(uid, rect, False) for uid, rect in zip(others, strip(len(others)), strict=True)),
    )


def strip(count: int) -> list[Rect]:
    """`count` 16:9 tiles side by side, centred in the strip under the large tile."""
    width = _even(min(320, WIDTH // count))
    height = _even(width * 9 / 16)
    left = _even((WIDTH - count * width) / 2)
    top = HEIGHT - STRIP_HEIGHT + _even((STRIP_HEIGHT - height) / 2)
    return [Rect(left + index * width, top, width, height) for index in range(count)]


def grid(count: int) -> list[Rect]:
    """`count` equal 16:9 tiles, row by row, each centred in its cell."""
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    cell_w, cell_h = WIDTH // columns, HEIGHT // rows
    width = _even(min(cell_w, cell_h * 16 / 9))
    height = _even(width * 9 / 16)
    return [
        Rect(
            _even(column * cell_w + (cell_w - width) / 2),
            _even(row * cell_h + (cell_h - height) / 2),
            width,
            height,
        )
        for index in range(count)
        for row, column in [divmod(index, columns)]
    ]


def _even(value: float) -> int:
    """Sizes and offsets even: the picture is 4:2:0, chroma is one sample per two."""
    return int(value) // 2 * 2


def _same(a: Segment, b: Segment) -> bool:
    return (a.layout, a.speaker, a.tiles, dict(a.gains)) == (
        b.layout,
        b.speaker,
        b.tiles,
        dict(b.gains),
    )
