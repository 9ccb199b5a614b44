"""What the soak's moderator does and when: the floor moves to the next citizen every 30 s,
and between moves a command every few seconds (mute and unmute, microphone level, hold and
release, bandwidth limit and its removal, the layout), each undone before the floor moves,
so at the end of every whole half-minute the room is as it started."""

from __future__ import annotations

from typing import Any

from signaling.protocol.payloads import Layout

FLOOR_S = 30
LIMIT_KBPS = 300
GAINS_DB = (-6.0, 6.0, 0.0)
LAYOUTS = tuple(Layout)

Command = tuple[str, dict[str, Any]]


def floor_holder(second: int, citizens: list[str]) -> str:
    return citizens[(second // FLOOR_S) % len(citizens)]


def commands_at(second: int, citizens: list[str], host: str) -> list[Command]:
    """The moderator's commands at `second` since the start. The one on air is muted and
    levelled; a citizen half the list away (off air, not next) is held and limited."""
    cycle, phase = divmod(second, FLOOR_S)
    n = len(citizens)
    speaker = citizens[cycle % n]
    resting = citizens[(cycle + n // 2) % n]
    kind = "audio" if cycle % 2 == 0 else "video"
    plan: dict[int, list[Command]] = {
        0: [
            *(
                [("set_floor", {"participant_id": citizens[(cycle - 1) % n], "on_air": False})]
                if cycle and n > 1
                else []
            ),
            ("set_floor", {"participant_id": speaker, "on_air": True}),
        ],
        2: [("set_layout", {"layout": LAYOUTS[cycle % len(LAYOUTS)].value})],
        5: [("mute", {"participant_id": speaker, "kind": kind, "muted": True})],
        9: [("mute", {"participant_id": speaker, "kind": kind, "muted": False})],
        12: [("set_mic_level", {"participant_id": speaker, "gain_db": GAINS_DB[cycle % 3]})],
        14: [("set_mic_level", {"participant_id": host, "gain_db": GAINS_DB[(cycle + 1) % 3]})],
        17: [("hold", {"participant_id": resting, "held": True})],
        21: [("hold", {"participant_id": resting, "held": False})],
        24: [("limit_bandwidth", {"participant_id": resting, "kbps": LIMIT_KBPS})],
        28: [("limit_bandwidth", {"participant_id": resting, "kbps": None})],
    }
    return plan.get(phase, [])
