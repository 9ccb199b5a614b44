"""DownlinkEstimate: what a listener's connection carries, judged from its own feedback.

The moderator's limit is one bound on what a listener receives; the listener's network is
the other. A listener on a thin or congested link reports it two ways: packet loss in its
receiver reports, and (Chromium) a falling REMB once its receive-side estimator sees the
queue grow. Loss is the signal every client gives; REMB only counts when it falls below
what is being sent, because a receive-side estimate never rises far above the incoming
rate and so says nothing about room that is not being used.

The rules are those of the loss-based half of Google Congestion Control, per second:
above 10 % loss the estimate drops to what arrived; below 2 % it grows by 8 %, up to half
as much again as is being sent (but at least `PROBE_HEADROOM_BPS` more), so a cut layer is
tried again by sending it; in between it holds, so random loss the retransmissions repair
does not take video away. A layer tried and followed by loss waits before the next try,
twice as long each time up to `MAX_BACKOFF_S`: a link that cannot carry it is not probed
every few seconds. Until the first sign of trouble there is no estimate: nothing is cut on
a link that has never complained.
"""

from __future__ import annotations

from dataclasses import dataclass

LOSS_HIGH = 0.10
LOSS_LOW = 0.02
INCREASE = 1.08
PROBE_HEADROOM_BPS = 150_000
REMB_BELOW = 0.85
"""REMB this far below the sending rate, twice in a row, is the receiver seeing a queue."""
MIN_ESTIMATE_BPS = 30_000
"""Never below what audio needs: the estimate bounds video, audio is never cut."""
PROBE_WINDOW_S = 4.0
"""Congestion this soon after the estimate rose past the sending rate blames the probe."""
INITIAL_BACKOFF_S = 4.0
MAX_BACKOFF_S = 64.0
CALM_RESET_S = 60.0
"""So long without congestion and the backoff is forgotten."""


@dataclass(frozen=True, slots=True)
class Feedback:
    """One second of a listener's connection, as the SFU sees it."""

    now: float
    sent_bps: int
    """What was sent to the listener over the last second (media payload)."""
    loss: float | None
    """Fraction lost in the receiver reports that arrived in that second, None if none did."""
    remb_bps: int | None
    """The listener's latest REMB, None if it sends none or it is stale."""


class DownlinkEstimate:
    """Follows one listener's feedback; `bps` is the bound (None: no sign of a limit)."""

    def __init__(self) -> None:
        self.bps: int | None = None
        self._remb_low = False
        self._hold_until = 0.0
        self._backoff = INITIAL_BACKOFF_S
        self._probing_since: float | None = None
        self._last_congestion = 0.0

    def update(self, feedback: Feedback) -> int | None:
        """Take one second of feedback; return the new bound."""
        now, sent = feedback.now, feedback.sent_bps
        remb_low = feedback.remb_bps is not None and feedback.remb_bps < sent * REMB_BELOW
        remb_congested = remb_low and self._remb_low
        self._remb_low = remb_low
        loss = feedback.loss
        if (loss is not None and loss > LOSS_HIGH) or remb_congested:
            self._congested(feedback)
        elif self.bps is not None and loss is not None and loss < LOSS_LOW:
            self._grow(feedback)
        if self.bps is not None and now - self._last_congestion > CALM_RESET_S:
            self._backoff = INITIAL_BACKOFF_S
        return self.bps

    def _congested(self, feedback: Feedback) -> None:
        now, sent = feedback.now, feedback.sent_bps
        loss = feedback.loss or 0.0
        arrived = int(sent * (1 - loss)) if loss > LOSS_HIGH else sent
        if feedback.remb_bps is not None and feedback.remb_bps < sent:
            arrived = min(arrived, feedback.remb_bps)
        if self._probing_since is not None and now - self._probing_since <= PROBE_WINDOW_S:
            self._backoff = min(self._backoff * 2, MAX_BACKOFF_S)
        self._probing_since = None
        self._hold_until = now + self._backoff
        self._last_congestion = now
        self.bps = max(MIN_ESTIMATE_BPS, min(self.bps or arrived, arrived))

    def _grow(self, feedback: Feedback) -> None:
        now, sent = feedback.now, feedback.sent_bps
        if self.bps is None or now < self._hold_until:
            return
        ceiling = sent + max(sent // 2, PROBE_HEADROOM_BPS)
        grown = min(int(self.bps * INCREASE), ceiling)
        if feedback.remb_bps is not None and feedback.remb_bps >= sent:
            grown = min(grown, max(feedback.remb_bps, self.bps))
        if grown > sent and self._probing_since is None:
            self._probing_since = now
        elif grown <= sent:
            self._probing_since = None
        self.bps = max(self.bps, grown)
