"""The chapters track of a published recording: one chapter per stretch a citizen was on
air, named after the citizen and their appeal («Иванов И. И. — обращение № 123: Дороги»).

The stretches come from the reception's timeline (`timeline.jsonl`, written by the node
during the reception: "on_air" events with {"on_air": bool}, "left", "ended"); time 0 is
its "live" event, where the composed mp4 starts. An edited upload that cut the start
shifts what follows; the staff edit, the portal cannot know how.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from portal.adapters.appeals_orm import Appeal, Topic
from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.adapters.receptions_orm import Reception, Seat
from portal.adapters.recording_files import RecordingFiles
from portal.domain.receptions import JoinRole, SeatState
from portal.domain.recordings import Chapter, short_name, stretches_to_chapters

Stretch = tuple[float, float | None, int]
"""(start, end or None, user id) in seconds from the recording's start."""


def on_air_stretches(events: Iterable[dict[str, Any]], start: float) -> list[Stretch]:
    """Every citizen's stretches on air; a stretch ends when they leave the air, leave
    the conference or the reception ends."""
    opened: dict[int, float] = {}
    stretches: list[Stretch] = []

    def close(user: int, at: float) -> None:
        if user in opened:
            stretches.append((opened.pop(user) - start, at - start, user))

    for event in events:
        at, kind = event.get("at"), event.get("kind")
        if not isinstance(at, int | float):
            continue
        if kind == "ended":
            for everyone in list(opened):
                close(everyone, at)
            continue
        who = _user_id(event.get("user_id"))
        if who is None:
            continue
        detail = event.get("detail")
        if kind == "on_air" and isinstance(detail, dict):
            if detail.get("on_air") is True and event.get("role") == JoinRole.CITIZEN:
                opened.setdefault(who, float(at))
            elif detail.get("on_air") is False:
                close(who, at)
        elif kind == "left":
            close(who, at)
    stretches += [(began - start, None, who) for who, began in opened.items()]
    return stretches


def start_of(events: list[dict[str, Any]], reception: Reception | None) -> float:
    """The recording's time 0: the timeline's "live" event, else the portal's own mark."""
    for event in events:
        if event.get("kind") == "live" and isinstance(event.get("at"), int | float):
            return float(event["at"])
    if reception is not None and reception.live_at is not None:
        return reception.live_at.timestamp()
    return min((float(e["at"]) for e in events if isinstance(e.get("at"), int | float)), default=0)


def _user_id(value: object) -> int | None:
    text = str(value) if isinstance(value, str | int) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


async def chapters(
    db: Database, files: RecordingFiles, reception_id: int, duration_s: float
) -> list[Chapter]:
    events = await files.timeline(reception_id)
    async with db.session() as session:
        reception = await session.get(Reception, reception_id)
        stretches = on_air_stretches(events, start_of(events, reception))
        people = {user for _, _, user in stretches}
        titles = await _titles(session, reception_id, people) if people else {}
    named = [(s, e, titles[user]) for s, e, user in stretches if user in titles]
    return stretches_to_chapters(named, duration_s)


async def _titles(session: Any, reception_id: int, people: set[int]) -> dict[int, str]:
    """Each citizen's chapter title, with the appeals they came with to this reception."""
    names = {
        u.id: short_name(u.surname, u.name, u.patronymic)
        for u in (await session.execute(select(User).where(User.id.in_(people)))).scalars()
    }
    appeals: dict[int, list[str]] = {}
    rows = await session.execute(
        select(Appeal.citizen_id, Appeal.number, Topic.name)
        .join(Seat, Seat.appeal_id == Appeal.id)
        .join(Topic, Topic.id == Appeal.topic_id)
        .where(
            Seat.reception_id == reception_id,
            Seat.state != SeatState.DECLINED.value,
            Appeal.citizen_id.in_(people),
        )
        .order_by(Seat.id)
    )
    for citizen, number, topic in rows:
        appeals.setdefault(citizen, []).append(f"№ {number}: {topic}")
    titles = {}
    for user, name in names.items():
        mine = appeals.get(user, [])
        if len(mine) == 1:
            titles[user] = f"{name} — обращение {mine[0]}"
        elif mine:
            titles[user] = f"{name} — обращения {'; '.join(mine)}"
        else:
            titles[user] = name
    return titles
