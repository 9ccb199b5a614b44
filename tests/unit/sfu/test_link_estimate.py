"""The link estimate: loss and a falling REMB bound a listener, random loss does not."""

from __future__ import annotations

from sfu.link_estimate import (
    INITIAL_BACKOFF_S,
    MIN_ESTIMATE_BPS,
    PROBE_HEADROOM_BPS,
    Feedback,
    LinkEstimate,
)


def second(t: float, sent: int, loss: float | None = 0.0, remb: int | None = None) -> Feedback:
    return Feedback(now=t, sent_bps=sent, loss=loss, remb_bps=remb)


def test_a_link_that_never_complains_is_never_bounded() -> None:
    estimate = LinkEstimate()
    for t in range(30):
        assert estimate.update(second(t, 2_000_000, loss=0.0, remb=3_000_000)) is None


def test_repaired_random_loss_between_the_thresholds_holds() -> None:
    estimate = LinkEstimate()
    for t in range(30):
        assert estimate.update(second(t, 800_000, loss=0.05)) is None


def test_heavy_loss_takes_half_the_loss_off() -> None:
    estimate = LinkEstimate()
    assert estimate.update(second(0, 600_000, loss=0.5)) == 450_000


def test_a_remb_falling_report_after_report_below_the_sending_rate_is_congestion() -> None:
    estimate = LinkEstimate()
    assert estimate.update(second(0, 600_000, remb=700_000)) is None
    assert estimate.update(second(1, 600_000, remb=400_000)) is None
    assert estimate.update(second(2, 600_000, remb=250_000)) == 250_000


def test_a_remb_that_falls_once_is_a_busy_moment() -> None:
    estimate = LinkEstimate()
    for t, remb in enumerate([700_000, 300_000, 320_000, 200_000, 210_000, 500_000]):
        assert estimate.update(second(t, 600_000, remb=remb)) is None


def test_a_low_steady_remb_is_only_the_echo_of_what_is_sent() -> None:
    """Chromium's REMB stays near 1.5 times what arrives: a listener given audio alone
    reports a REMB far below any video, and that must not keep video away for good."""
    estimate = LinkEstimate()
    estimate.update(second(0, 100_000, loss=0.9))
    for t in range(1, 60):
        bound = estimate.update(second(t, 40_000, remb=57_000 + t * 10))
    assert bound == 40_000 + PROBE_HEADROOM_BPS


def test_after_the_hold_the_estimate_grows_to_probe_for_room() -> None:
    estimate = LinkEstimate()
    estimate.update(second(0, 400_000, loss=0.5))
    for t in range(1, int(INITIAL_BACKOFF_S)):
        assert estimate.update(second(t, 250_000)) == 300_000  # held after congestion
    grown = [estimate.update(second(t, 250_000)) for t in range(int(INITIAL_BACKOFF_S), 20)]
    assert grown[0] == int(300_000 * 1.08)
    assert grown[-1] == 250_000 + PROBE_HEADROOM_BPS  # at most so far above what is sent


def test_growth_reaches_what_the_next_layer_needs_however_little_is_sent() -> None:
    """A top layer worth more than half of what is sent was out of reach: the bound stopped
    at 1.5 times the rate, and video came back whole only when the publisher dipped."""
    estimate = LinkEstimate()
    estimate.update(second(0, 400_000, loss=0.5))
    next_step = 250_000 + PROBE_HEADROOM_BPS + 60_000
    for t in range(1, 40):
        bound = estimate.update(second(t, 250_000), next_step)
    assert bound == next_step
    for t in range(40, 60):
        bound = estimate.update(second(t, 250_000))
    assert bound == next_step  # once reached, the bound is not taken back without loss


def test_growth_goes_on_between_sparse_clean_reports() -> None:
    estimate = LinkEstimate()
    estimate.update(second(0, 400_000, loss=0.5))
    bounds = [
        estimate.update(second(t, 250_000, loss=0.0 if t % 5 == 0 else None))
        for t in range(int(INITIAL_BACKOFF_S), 12)
    ]
    assert bounds == sorted(bounds)
    assert bounds[-1] > bounds[0]


def test_a_failed_step_up_is_undone_and_the_next_waits_twice_as_long() -> None:
    estimate = LinkEstimate()
    estimate.update(second(0, 400_000, loss=0.5))
    t = INITIAL_BACKOFF_S
    before = estimate.update(second(t, 250_000))
    t += 1
    assert (estimate.update(second(t, 250_000)) or 0) > (before or 0)
    estimate.stepped_up(t)  # the transport added a layer on that word
    t += 1
    assert estimate.update(second(t, 420_000, loss=0.3, remb=200_000)) == before
    for hold in range(1, int(2 * INITIAL_BACKOFF_S)):
        assert estimate.update(second(t + hold, 250_000)) == before
    assert (estimate.update(second(t + 2 * INITIAL_BACKOFF_S, 250_000)) or 0) > (before or 0)


def test_a_step_that_holds_is_kept() -> None:
    estimate = LinkEstimate()
    estimate.update(second(0, 400_000, loss=0.5))
    estimate.stepped_up(1)
    for t in range(1, 10):
        estimate.update(second(t, 350_000))
    bound = estimate.update(second(10, 350_000, loss=0.3))  # long after: a new limit
    assert bound == int(350_000 * 0.85)


def test_one_unlucky_second_of_random_loss_is_not_congestion() -> None:
    estimate = LinkEstimate()
    for t, loss in enumerate([0.04, 0.06, 0.13, 0.05, 0.02, 0.14, 0.06]):
        assert estimate.update(second(t, 800_000, loss=loss)) is None


def test_the_bound_never_falls_below_what_audio_needs() -> None:
    estimate = LinkEstimate()
    assert estimate.update(second(0, 20_000, loss=0.9)) == MIN_ESTIMATE_BPS


def test_loss_under_a_remb_above_what_is_sent_is_the_links_own() -> None:
    """10 % random loss (a radio link): the receiver sees no queue, sending less would
    not cure it, so video is not taken away for it."""
    estimate = LinkEstimate()
    for t in range(30):
        assert estimate.update(second(t, 500_000, loss=0.15, remb=900_000)) is None


def test_loss_under_a_remb_below_what_is_sent_is_congestion() -> None:
    estimate = LinkEstimate()
    assert estimate.update(second(0, 500_000, loss=0.3, remb=400_000)) == 400_000


def test_one_decrease_at_a_time() -> None:
    estimate = LinkEstimate()
    assert estimate.update(second(0, 500_000, loss=0.4)) == 400_000
    for t, remb in ((1, 300_000), (1.5, 200_000), (2, 100_000)):
        assert estimate.update(second(t, 300_000, remb=remb)) == 400_000  # too soon
