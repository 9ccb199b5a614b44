"""LinkEstimate: what a participant's link carries one way, judged from loss and REMB.

The moderator's limits are one bound on what a participant sends and receives; the
participant's network is the other. Downlink: a listener on a thin or congested link says
so two ways, packet loss in its receiver reports and (Chromium) a falling REMB once its
receive-side estimator sees the queue grow. Uplink: the SFU sees the publisher's packets go
missing itself, before retransmission repairs them, and tells the publisher the bound as
REMB, since a browser that hears of loss only after repair keeps a thin uplink full.

A REMB counts only while it falls, report after report, below what is being sent: a
receive-side estimate never rises much above the incoming rate, so a low but steady REMB is
only the echo of what we chose to send, and heeding it would ratchet a listener down to
audio for good.

The rules follow the loss-based half of Google Congestion Control, once a second: above
10 % loss (in the last count and followed over the last few), or on a falling REMB, the
estimate drops by half the loss, and to the REMB when that is lower; below 2 % it grows by
8 %, up to half as much again as is being sent (at least `PROBE_HEADROOM_BPS` more) or
up to what the next layer left out needs, whichever is more, so a layer that was taken
away is tried again by sending it, and a publisher is let to raise its rate; in between
it holds, so random loss that retransmissions repair does not take video away. Loss
counts as congestion only while the receiver's REMB (when it sends one) is below what is
sent: a queue growing on the path lowers it, while loss of the link's own (a radio, a bad
line) leaves it high, and sending less would not cure that loss.
When a subscriber transport adds a layer on the strength of the estimate (`stepped_up`)
and congestion follows within `PROBE_WINDOW_S`, the step is undone exactly, and the next
try waits twice as long as the last, up to `MAX_BACKOFF_S`: a link that cannot carry a
layer is not probed every few seconds. At most one decrease in `DECREASE_INTERVAL_S`.
Until the first sign of trouble there is no estimate: a link that never complains is
never bounded.
"""

from __future__ import annotations

from dataclasses import dataclass

LOSS_HIGH = 0.10
LOSS_LOW = 0.02
LOSS_SMOOTHING = 0.4
"""Weight of a new report in the loss followed: one report covers a second, some fifty
video packets, so 5 % random loss reads anywhere from 0 to 15 %. Congestion needs both the
last report and the followed loss above 10 %: random loss stays in the band that holds,
while a queue overflowing (a third of the packets and more) crosses with its first report."""
INCREASE = 1.08
PROBE_HEADROOM_BPS = 150_000
REMB_BELOW = 0.85
"""A REMB below this share of the sending rate, and lower than the one before, is the
receiver seeing its queue grow."""
REMB_FALL = 0.95
REMB_FALLS = 2
"""Falls in a row that make congestion: a receiver's queue growing lowers REMB report after
report, while one late burst (a retransmission, a busy moment) lowers it once."""
REPORT_STALE_S = 6.0
"""A clean report this recent still counts: with audio alone a browser reports every few
seconds, and the estimate must keep growing between its reports."""
MIN_ESTIMATE_BPS = 30_000
"""Never below what audio needs: the estimate bounds video, audio is never cut."""
PROBE_WINDOW_S = 4.0
DECREASE_INTERVAL_S = 3.0
"""At most one decrease in this time: what is counted just after a decrease still says
more of the rate before it (the queue it filled draining, the retransmissions it caused)."""
INITIAL_BACKOFF_S = 4.0
MAX_BACKOFF_S = 64.0
CALM_RESET_S = 60.0
"""So long without congestion and past failures are forgotten."""


@dataclass(frozen=True, slots=True)
class Feedback:
    """One second of one way of a participant's link, as the SFU sees it."""

    now: float
    sent_bps: int
    """What crossed the link over the last second (media payload)."""
    loss: float | None
    """Fraction lost in that second, None when too few packets were counted to say."""
    remb_bps: int | None
    """The receiver's latest REMB, None if it sends none or it is stale."""


class LinkEstimate:
    """Follows one link's feedback; `bps` is the bound (None: no sign of a limit)."""

    def __init__(self) -> None:
        self.bps: int | None = None
        self._previous: int | None = None
        self._remb: int | None = None
        self._remb_falls = 0
        self._loss = 0.0
        """The last report's loss: growth waits for a clean one."""
        self._smoothed = 0.0
        """Loss followed over the last reports: congestion needs it and the last one high."""
        self._loss_at: float | None = None
        self._hold_until = 0.0
        self._backoff = INITIAL_BACKOFF_S
        self._step: tuple[float, int | None] | None = None
        """When the last layer was added on the estimate's word, and the bound before it."""
        self._last_congestion = -DECREASE_INTERVAL_S

    def update(self, feedback: Feedback, next_step_bps: int | None = None) -> int | None:
        """Take one second of feedback; return the new bound.

        `next_step_bps` is what the next layer left out would need: growth may reach it
        however little is sent now. Without it, the bound stopped short of a layer whose
        rate is more than half of what is sent, and video came back whole only when the
        publisher's rate happened to dip."""
        now, sent = feedback.now, feedback.sent_bps
        self._previous = self.bps
        remb, last_remb = feedback.remb_bps, self._remb
        if remb is not None:
            self._remb = remb
        if remb is not None and last_remb is not None and remb != last_remb:
            falling = remb < last_remb * REMB_FALL and remb < sent * REMB_BELOW
            self._remb_falls = self._remb_falls + 1 if falling else 0
        remb_falling = self._remb_falls >= REMB_FALLS
        loss = feedback.loss
        if loss is not None:
            self._smoothed = (
                loss
                if self._loss_at is None
                else LOSS_SMOOTHING * loss + (1 - LOSS_SMOOTHING) * self._smoothed
            )
            self._loss, self._loss_at = loss, now
        room = remb is not None and remb >= sent  # the receiver sees no queue growing
        lossy = loss is not None and loss > LOSS_HIGH and self._smoothed > LOSS_HIGH and not room
        if (lossy or remb_falling) and now - self._last_congestion >= DECREASE_INTERVAL_S:
            self._congested(feedback, remb_falling)
        elif (
            self._loss_at is not None
            and now - self._loss_at < REPORT_STALE_S
            and self._loss < LOSS_LOW
        ):
            self._grow(now, sent, next_step_bps)
        if self._step is not None and now - self._step[0] > PROBE_WINDOW_S:
            self._step = None  # the added layer held
        if self.bps is not None and now - self._last_congestion > CALM_RESET_S:
            self._backoff = INITIAL_BACKOFF_S
        return self.bps

    def stepped_up(self, now: float) -> None:
        """The transport added a layer because the estimate allowed it: a probe of the link."""
        if self._step is None:
            self._step = (now, self._previous)

    def _congested(self, feedback: Feedback, remb_falling: bool) -> None:
        now, sent = feedback.now, feedback.sent_bps
        self._last_congestion = now
        if self._step is not None and self._step[1] is not None:
            self.bps = self._step[1]  # the probe failed: back to what carried
            self._backoff = min(self._backoff * 2, MAX_BACKOFF_S)
        else:
            loss = feedback.loss or 0.0
            fits = int(sent * (1 - loss / 2)) if loss > LOSS_HIGH else sent
            if feedback.remb_bps is not None and feedback.remb_bps < sent:
                fits = min(fits, feedback.remb_bps)
            self.bps = max(MIN_ESTIMATE_BPS, min(self.bps or fits, fits))
        self._step = None
        self._remb_falls = 0
        self._hold_until = now + self._backoff

    def _grow(self, now: float, sent: int, next_step_bps: int | None) -> None:
        if self.bps is None or now < self._hold_until:
            return
        ceiling = max(sent + max(sent // 2, PROBE_HEADROOM_BPS), next_step_bps or 0)
        self.bps = max(self.bps, min(int(self.bps * INCREASE), ceiling))
