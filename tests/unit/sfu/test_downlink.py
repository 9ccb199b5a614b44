"""The downlink estimate: loss and a falling REMB bound a listener, random loss does not."""

from __future__ import annotations

from sfu.downlink import (
    INITIAL_BACKOFF_S,
    MIN_ESTIMATE_BPS,
    PROBE_HEADROOM_BPS,
    DownlinkEstimate,
    Feedback,
)


def second(t: float, sent: int, loss: float | None = 0.0, remb: int | None = None) -> Feedback:
    return Feedback(now=t, sent_bps=sent, loss=loss, remb_bps=remb)


def test_a_link_that_never_complains_is_never_bounded() -> None:
    estimate = DownlinkEstimate()
    for t in range(30):
        assert estimate.update(second(t, 2_000_000, loss=0.0, remb=3_000_000)) is None


def test_repaired_random_loss_between_the_thresholds_holds() -> None:
    estimate = DownlinkEstimate()
    for t in range(30):
        assert estimate.update(second(t, 800_000, loss=0.05)) is None


def test_heavy_loss_bounds_the_listener_to_what_arrived() -> None:
    estimate = DownlinkEstimate()
    assert estimate.update(second(0, 600_000, loss=0.5)) == 300_000


def test_a_remb_below_the_sending_rate_counts_only_when_it_stays_there() -> None:
    estimate = DownlinkEstimate()
    assert estimate.update(second(0, 600_000, remb=250_000)) is None
    assert estimate.update(second(1, 600_000, remb=250_000)) == 250_000


def test_after_the_hold_the_estimate_grows_to_probe_for_room() -> None:
    estimate = DownlinkEstimate()
    estimate.update(second(0, 600_000, loss=0.5))
    for t in range(1, int(INITIAL_BACKOFF_S)):
        assert estimate.update(second(t, 250_000)) == 300_000  # held after congestion
    grown = [estimate.update(second(t, 250_000)) for t in range(int(INITIAL_BACKOFF_S), 20)]
    assert grown[0] == int(300_000 * 1.08)
    assert grown[-1] == 250_000 + PROBE_HEADROOM_BPS  # at most so far above what is sent


def test_no_report_in_a_second_changes_nothing() -> None:
    estimate = DownlinkEstimate()
    estimate.update(second(0, 600_000, loss=0.5))
    assert estimate.update(second(10, 300_000, loss=None)) == 300_000


def test_a_probe_followed_by_loss_waits_twice_as_long_before_the_next() -> None:
    estimate = DownlinkEstimate()
    estimate.update(second(0, 600_000, loss=0.5))
    t = INITIAL_BACKOFF_S
    while (estimate.bps or 0) <= 300_000:  # grows past what is sent: a layer is tried
        estimate.update(second(t, 300_000))
        t += 1
    estimate.update(second(t, 420_000, loss=0.3))  # and the link could not take it
    bound = estimate.bps
    for hold in range(1, int(2 * INITIAL_BACKOFF_S)):
        assert estimate.update(second(t + hold, 290_000)) == bound
    assert (estimate.update(second(t + 2 * INITIAL_BACKOFF_S, 290_000)) or 0) > (bound or 0)


def test_the_bound_never_falls_below_what_audio_needs() -> None:
    estimate = DownlinkEstimate()
    assert estimate.update(second(0, 20_000, loss=0.9)) == MIN_ESTIMATE_BPS
