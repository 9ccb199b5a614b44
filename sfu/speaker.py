"""Active speaker from RFC 6464 audio levels: smoothed, debounced, no decoding."""

from __future__ import annotations

import time
from collections.abc import Callable

SILENCE_DBOV = 127
SPEECH_THRESHOLD = 50
"""-dBov level under which (louder than -50 dBov) a speaker counts as talking."""
SMOOTHING = 0.25
SWITCH_AFTER_S = 0.6
"""A new speaker must be the loudest this long before the event fires."""
QUIET_AFTER_S = 1.5
"""With nobody talking this long, the active speaker becomes None."""

SpeakerListener = Callable[[str | None], None]


class ActiveSpeakerDetector:
    """Tracks an exponentially smoothed loudness per participant.

    Levels are -dBov (0 loud, 127 silent) as in RFC 6464; the detector holds 'loudness' =
    127 - level so bigger means louder.
    """

    def __init__(self, on_change: SpeakerListener) -> None:
        self._on_change = on_change
        self._loudness: dict[str, float] = {}
        self._heard_at: dict[str, float] = {}
        self.active: str | None = None
        self._candidate: str | None = None
        self._candidate_since = 0.0

    def add_level(self, participant_id: str, level: int, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        loudness = float(SILENCE_DBOV - min(level, SILENCE_DBOV))
        previous = self._loudness.get(participant_id, 0.0)
        self._loudness[participant_id] = previous + SMOOTHING * (loudness - previous)
        if level <= SPEECH_THRESHOLD:
            self._heard_at[participant_id] = now
        self._evaluate(now)

    def forget(self, participant_id: str) -> None:
        self._loudness.pop(participant_id, None)
        self._heard_at.pop(participant_id, None)
        if self.active == participant_id:
            self._set(None)
        if self._candidate == participant_id:
            self._candidate = None

    def _evaluate(self, now: float) -> None:
        talking = {
            pid: loud
            for pid, loud in self._loudness.items()
            if now - self._heard_at.get(pid, -1e9) < QUIET_AFTER_S
        }
        if not talking:
            if self.active is not None:
                self._set(None)
            self._candidate = None
            return
        loudest = max(talking, key=talking.__getitem__)
        if loudest == self.active:
            self._candidate = None
            return
        if self.active in talking and talking[loudest] - talking[self.active] < 3:
            return  # within 3 dB of the current speaker: no switch
        if loudest != self._candidate:
            self._candidate = loudest
            self._candidate_since = now
        elif now - self._candidate_since >= SWITCH_AFTER_S or self.active is None:
            self._set(loudest)

    def _set(self, participant_id: str | None) -> None:
        self.active = participant_id
        self._candidate = None
        self._on_change(participant_id)
