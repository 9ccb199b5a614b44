"""The room store keeps every moderator decision and gives it back as `reconnecting`
participants; the Redis one and the in-process one behave the same."""

from __future__ import annotations

import pytest

from signaling.protocol.payloads import Layout, MediaKind
from signaling.protocol.roles import Role
from signaling.room import Participant, Presence
from signaling.state_store import (
    InMemoryRoomStore,
    RedisRoomStore,
    RoomStore,
    participant_from,
    participant_record,
)


def _decided() -> Participant:
    """A citizen the moderator has done everything to."""
    citizen = Participant("c1", "Мария", Role.CITIZEN, joined_at=100.0, appeal_id="42")
    citizen.on_air = True
    citizen.moderator_muted[MediaKind.AUDIO] = True
    citizen.self_muted[MediaKind.VIDEO] = True
    citizen.held = True
    citizen.bandwidth_kbps = 300
    citizen.gain_db = -6.5
    citizen.layout = Layout.GRID
    citizen.browser = "Chromium"
    return citizen


def test_a_record_keeps_the_decisions_and_not_the_connection() -> None:
    back = participant_from(participant_record(_decided()))
    decided = _decided()
    for name in (
        "id",
        "display_name",
        "role",
        "joined_at",
        "on_air",
        "self_muted",
        "moderator_muted",
        "held",
        "bandwidth_kbps",
        "gain_db",
        "layout",
        "appeal_id",
    ):
        assert getattr(back, name) == getattr(decided, name), name
    assert back.presence is Presence.RECONNECTING
    assert back.browser == ""


def test_a_host_taken_off_air_stays_off() -> None:
    """Staff start on air (`__post_init__`); the kept floor wins over that default."""
    host = Participant("h", "Губернатор", Role.HOST)
    host.on_air = False
    assert participant_from(participant_record(host)).on_air is False


async def test_kept_dropped_and_forgotten_in_process() -> None:
    await _kept_dropped_and_forgotten(InMemoryRoomStore())


@pytest.mark.redis
async def test_kept_dropped_and_forgotten_in_redis(redis_url: str) -> None:
    store = RedisRoomStore(redis_url)
    try:
        await _kept_dropped_and_forgotten(store)
    finally:
        await store.close()


async def _kept_dropped_and_forgotten(store: RoomStore) -> None:
    assert await store.load("r1") is None
    moderator = Participant("m", "Модератор", Role.MODERATOR, joined_at=1.0)
    await store.keep_participant("r1", moderator)
    await store.keep_participant("r1", _decided())
    await store.keep_participant("r2", Participant("x", "Другой", Role.CITIZEN))
    await store.keep_room("r1", Layout.SINGLE_SPEAKER)

    kept = await store.load("r1")
    assert kept is not None
    assert kept.default_layout is Layout.SINGLE_SPEAKER
    assert [p.id for p in kept.participants] == ["m", "c1"]  # in the order they joined
    assert kept.participants[1].bandwidth_kbps == 300

    await store.drop_participant("r1", "c1")
    kept = await store.load("r1")
    assert kept is not None
    assert [p.id for p in kept.participants] == ["m"]

    await store.forget("r1")
    assert await store.load("r1") is None
    assert await store.load("r2") is not None
