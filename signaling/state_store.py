"""What a reception's room keeps beyond the process that hosts it, so that a node restarted
after a crash, or another node taking the reception over once the claim expired, gives
every returning participant back their place.

The room in memory (`signaling.room`) stays the working copy; the conference writes each
change of a participant or of the room through to this store before it tells anyone, so
a decision acknowledged to the moderator is already kept. Where each piece of state lives:

- Here (Redis with `redis.url`, in process otherwise): who is in the room and with which
  role and name, the floor, the moderator's and their own mutes, hold, bandwidth limit,
  microphone level, their own layout, the appeal they came with; the room's default
  layout. These are decisions of people that nothing else could tell the new process.
- Nowhere: presence (a restored participant is `reconnecting` until its page is back,
  and leaves with `timed_out` after the grace period if it never is), the active speaker,
  quality, client reports and what an offer sends (the media and the pages report them
  again within seconds), a moderator's check of a waiting citizen (a live conversation
  between two pages; it ends with their connections), the transports (aiortc objects die
  with their process; the pages negotiate new ones).
- The reception directory (`signaling.directory`, Redis) and the portal's database: bans
  (removals), which must hold even when the room is gone; the portal's database also
  keeps the moderation log and attendance (`ConferenceEvents`).

The embedded default has one process, which takes its memory with it when it dies: the
in-process store exists so that both shapes run the same restore path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

import redis.asyncio as aioredis

from signaling.protocol.payloads import Layout, MediaKind
from signaling.protocol.roles import Role
from signaling.room import Participant, Presence

KEPT_FOR_S = 24 * 3600
"""A reception's kept room expires a day after its last change: one that ended while no
node hosted it (its node died and nobody came back) does not stay in Redis for ever."""
_ROOM = "room"
_PARTICIPANT = "p:"


@dataclass(frozen=True, slots=True)
class KeptRoom:
    default_layout: Layout
    participants: list[Participant]
    """Every one `reconnecting`: nobody is connected to a room that was just restored."""


class RoomStore(Protocol):
    async def keep_participant(self, reception_id: str, participant: Participant) -> None: ...
    async def drop_participant(self, reception_id: str, participant_id: str) -> None: ...
    async def keep_room(self, reception_id: str, default_layout: Layout) -> None: ...
    async def load(self, reception_id: str) -> KeptRoom | None:
        """The kept room, or None when nothing was kept (a reception opening afresh)."""
        ...

    async def forget(self, reception_id: str) -> None:
        """The reception ended: nothing of its room is needed again."""
        ...

    async def close(self) -> None: ...


def participant_record(participant: Participant) -> str:
    return json.dumps(
        {
            "id": participant.id,
            "name": participant.display_name,
            "role": participant.role.value,
            "joined_at": participant.joined_at,
            "on_air": participant.on_air,
            "self_muted": {k.value: v for k, v in participant.self_muted.items()},
            "moderator_muted": {k.value: v for k, v in participant.moderator_muted.items()},
            "held": participant.held,
            "bandwidth_kbps": participant.bandwidth_kbps,
            "gain_db": participant.gain_db,
            "layout": participant.layout.value if participant.layout else None,
            "appeal_id": participant.appeal_id,
        }
    )


def participant_from(record: str) -> Participant:
    data: dict[str, Any] = json.loads(record)
    participant = Participant(
        data["id"],
        data["name"],
        Role(data["role"]),
        joined_at=data["joined_at"],
        presence=Presence.RECONNECTING,
        self_muted={MediaKind(k): bool(v) for k, v in data["self_muted"].items()},
        moderator_muted={MediaKind(k): bool(v) for k, v in data["moderator_muted"].items()},
        held=data["held"],
        bandwidth_kbps=data["bandwidth_kbps"],
        gain_db=data["gain_db"],
        layout=Layout(data["layout"]) if data["layout"] else None,
        appeal_id=data["appeal_id"],
    )
    participant.on_air = data["on_air"]  # after __post_init__, which puts staff on air
    return participant


def _kept(fields: dict[str, str]) -> KeptRoom | None:
    if not fields:
        return None
    participants = [
        participant_from(value) for key, value in fields.items() if key.startswith(_PARTICIPANT)
    ]
    layout = Layout(fields[_ROOM]) if _ROOM in fields else Layout.TRIBUNE_AUTO
    return KeptRoom(layout, sorted(participants, key=lambda p: p.joined_at))


class InMemoryRoomStore:
    """The embedded default: kept for as long as the process lives, as the room itself."""

    def __init__(self) -> None:
        self._rooms: dict[str, dict[str, str]] = {}

    async def keep_participant(self, reception_id: str, participant: Participant) -> None:
        fields = self._rooms.setdefault(reception_id, {})
        fields[_PARTICIPANT + participant.id] = participant_record(participant)

    async def drop_participant(self, reception_id: str, participant_id: str) -> None:
        self._rooms.get(reception_id, {}).pop(_PARTICIPANT + participant_id, None)

    async def keep_room(self, reception_id: str, default_layout: Layout) -> None:
        self._rooms.setdefault(reception_id, {})[_ROOM] = default_layout.value

    async def load(self, reception_id: str) -> KeptRoom | None:
        return _kept(self._rooms.get(reception_id, {}))

    async def forget(self, reception_id: str) -> None:
        self._rooms.pop(reception_id, None)

    async def close(self) -> None:
        return None


class RedisRoomStore:
    """One hash per reception, `<prefix>:<id>:room`: a field per participant and one for
    the room, so each write is one small `HSET` and the restore one `HGETALL`."""

    def __init__(self, url: str, prefix: str = "reception") -> None:
        self._redis = aioredis.from_url(url, decode_responses=True)
        self._prefix = prefix

    def _key(self, reception_id: str) -> str:
        return f"{self._prefix}:{reception_id}:room"

    async def _set(self, reception_id: str, field: str, value: str) -> None:
        key = self._key(reception_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, field, value)
            pipe.expire(key, KEPT_FOR_S)
            await pipe.execute()

    async def keep_participant(self, reception_id: str, participant: Participant) -> None:
        await self._set(
            reception_id, _PARTICIPANT + participant.id, participant_record(participant)
        )

    async def drop_participant(self, reception_id: str, participant_id: str) -> None:
        await self._redis.hdel(self._key(reception_id), _PARTICIPANT + participant_id)

    async def keep_room(self, reception_id: str, default_layout: Layout) -> None:
        await self._set(reception_id, _ROOM, default_layout.value)

    async def load(self, reception_id: str) -> KeptRoom | None:
        fields = await self._redis.hgetall(self._key(reception_id))
        return _kept({str(k): str(v) for k, v in fields.items()})

    async def forget(self, reception_id: str) -> None:
        await self._redis.delete(self._key(reception_id))

    async def close(self) -> None:
        await self._redis.aclose()


def room_store_for(redis_url: str | None) -> RoomStore:
    return RedisRoomStore(redis_url) if redis_url else InMemoryRoomStore()
