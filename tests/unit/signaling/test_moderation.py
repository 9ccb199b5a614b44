"""The moderator service: each command's effect on the room, its authorization and its log."""

from __future__ import annotations

import pytest

from signaling.directory import InMemoryDirectory
from signaling.moderation import ModeratorService
from signaling.protocol import CloseReason, ErrorCode, Layout, MediaKind, Role, SignalingError
from signaling.protocol.payloads import (
    BandwidthLimit,
    FloorChange,
    HoldChange,
    LayoutChoice,
    MicLevel,
    ModeratorMute,
    PreviewChoice,
    Target,
)
from signaling.room import Participant, Room


@pytest.fixture
def room() -> Room:
    room = Room("42")
    for pid, role in [("m", Role.MODERATOR), ("h", Role.HOST), ("a", Role.CITIZEN)]:
        room.participants[pid] = Participant(pid, pid.upper(), role)
    room.participants["o"] = Participant("o", "O", Role.OBSERVER)
    return room


@pytest.fixture
def directory() -> InMemoryDirectory:
    return InMemoryDirectory()


@pytest.fixture
def service(room: Room, directory: InMemoryDirectory) -> ModeratorService:
    return ModeratorService(room, directory)


def test_floor_toggles_and_is_logged(room: Room, service: ModeratorService) -> None:
    moderator, citizen = room.participants["m"], room.participants["a"]
    assert not citizen.on_air
    outcome = service.set_floor(moderator, FloorChange("a", True))
    assert citizen.on_air
    assert outcome.changed == [citizen]
    service.set_floor(moderator, FloorChange("a", False))
    assert not citizen.on_air
    assert [(r.actor_id, r.action, r.target_id, r.detail) for r in service.log] == [
        ("m", "set_floor", "a", {"on_air": True}),
        ("m", "set_floor", "a", {"on_air": False}),
    ]
    assert all(r.at > 0 for r in service.log)


def test_host_is_on_air_from_the_start_and_cannot_lose_it(
    room: Room, service: ModeratorService
) -> None:
    assert room.participants["h"].on_air
    with pytest.raises(SignalingError) as caught:
        service.set_floor(room.participants["m"], FloorChange("h", False))
    assert caught.value.code is ErrorCode.FORBIDDEN
    assert room.participants["h"].on_air


def test_a_citizen_is_refused_every_command_and_nothing_changes(
    room: Room, service: ModeratorService
) -> None:
    citizen = room.participants["a"]
    before = {pid: p.public() for pid, p in room.participants.items()}
    attempts = [
        lambda: service.set_floor(citizen, FloorChange("a", True)),
        lambda: service.set_mic_level(citizen, MicLevel("h", -20)),
        lambda: service.disconnect(citizen, Target("o")),
        lambda: service.hold(citizen, HoldChange("o", True)),
        lambda: service.limit_bandwidth(citizen, BandwidthLimit("h", 128)),
        lambda: service.mute(citizen, ModeratorMute("h", MediaKind.AUDIO, True)),
        lambda: service.set_layout(citizen, LayoutChoice(Layout.GRID)),
        lambda: service.preview(citizen, PreviewChoice("a")),
        lambda: service.tech_info(citizen, Target("h")),
        lambda: service.end_conference(citizen),
    ]
    for attempt in attempts:
        with pytest.raises(SignalingError) as caught:
            attempt()
        assert caught.value.code is ErrorCode.FORBIDDEN
    assert {pid: p.public() for pid, p in room.participants.items()} == before
    assert room.default_layout is Layout.TRIBUNE_AUTO
    assert service.log == []


async def test_remove_bans_and_disconnect_does_not(
    room: Room, service: ModeratorService, directory: InMemoryDirectory
) -> None:
    moderator = room.participants["m"]
    assert service.disconnect(moderator, Target("a")).evict == [("a", CloseReason.KICKED)]
    assert not await directory.is_banned("42", "a")
    outcome = await service.remove(moderator, Target("a"))
    assert outcome.evict == [("a", CloseReason.BANNED)]
    assert await directory.is_banned("42", "a")


async def test_host_and_moderators_cannot_be_disconnected_held_or_removed(
    room: Room, service: ModeratorService, directory: InMemoryDirectory
) -> None:
    moderator = room.participants["m"]
    for target in ("h", "m"):
        with pytest.raises(SignalingError):
            service.disconnect(moderator, Target(target))
        with pytest.raises(SignalingError):
            service.hold(moderator, HoldChange(target, True))
        with pytest.raises(SignalingError):
            await service.remove(moderator, Target(target))
    assert not await directory.is_banned("42", "h")


def test_mute_level_hold_bandwidth_change_the_target(room: Room, service: ModeratorService) -> None:
    moderator, citizen = room.participants["m"], room.participants["a"]
    service.mute(moderator, ModeratorMute("a", MediaKind.VIDEO, True))
    assert citizen.moderator_muted[MediaKind.VIDEO]
    assert citizen.paused(MediaKind.VIDEO)
    assert not citizen.paused(MediaKind.AUDIO)
    service.set_mic_level(moderator, MicLevel("a", -6.5))
    service.hold(moderator, HoldChange("a", True))
    service.limit_bandwidth(moderator, BandwidthLimit("a", 256))
    assert (citizen.gain_db, citizen.held, citizen.bandwidth_kbps) == (-6.5, True, 256)
    public = citizen.public()
    assert public["moderator_muted"] == {"audio": False, "video": True}
    assert public["held"] is True


def test_observer_sends_nothing_to_mute(room: Room, service: ModeratorService) -> None:
    with pytest.raises(SignalingError) as caught:
        service.mute(room.participants["m"], ModeratorMute("o", MediaKind.AUDIO, True))
    assert caught.value.code is ErrorCode.FORBIDDEN


def test_unknown_target_is_not_found(room: Room, service: ModeratorService) -> None:
    with pytest.raises(SignalingError) as caught:
        service.hold(room.participants["m"], HoldChange("nobody", True))
    assert caught.value.code is ErrorCode.NOT_FOUND


def test_layout_preview_and_end(room: Room, service: ModeratorService) -> None:
    moderator = room.participants["m"]
    assert service.set_layout(moderator, LayoutChoice(Layout.GRID)).room_changed
    assert room.default_layout is Layout.GRID
    assert room.snapshot(room.participants["a"])["layout"] == "grid"
    service.preview(moderator, PreviewChoice("a"))
    assert room.previews == {"m": "a"}
    service.set_floor(moderator, FloorChange("a", True))
    with pytest.raises(SignalingError) as caught:
        service.preview(moderator, PreviewChoice("a"))
    assert caught.value.code is ErrorCode.INVALID_STATE
    service.preview(moderator, PreviewChoice(None))
    assert room.previews == {"m": None}
    outcome = service.end_conference(moderator)
    assert outcome.end
    assert outcome.evict == []  # the registry ends the conference, which removes everyone
