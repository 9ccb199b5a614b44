"""The token bucket behind events per connection and transports per participant."""

from __future__ import annotations

from signaling.budget import Buckets, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_the_rate_holds() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=10, burst=5, clock=clock)
    assert [bucket.take() for _ in range(6)] == [True] * 5 + [False]
    clock.now += 0.1  # one token back
    assert bucket.take()
    assert not bucket.take()
    clock.now += 10  # never more than the burst
    assert [bucket.take() for _ in range(6)] == [True] * 5 + [False]


def test_without_a_floor_refusals_cost_nothing() -> None:
    """A participant retrying a refused transport every second still gets one in time."""
    clock = Clock()
    bucket = TokenBucket(rate=0.5, burst=1, clock=clock)
    assert bucket.take()
    granted = []
    for _ in range(4):
        clock.now += 1
        granted.append(bucket.take())
    assert granted == [False, True, False, True]
    assert not bucket.exhausted


def test_a_sender_that_goes_on_while_refused_sinks_to_the_floor() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=10, burst=3, floor=-3, clock=clock)
    assert all(bucket.take() for _ in range(3))
    results = [bucket.take() for _ in range(3)]
    assert results == [False] * 3
    assert bucket.exhausted
    clock.now += 0.35  # the debt is paid back first: still nothing
    assert not bucket.take()
    assert not bucket.exhausted
    clock.now += 1
    assert bucket.take()


def test_one_refusal_over_a_burst_is_not_a_flood() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=20, burst=100, floor=-100, clock=clock)
    assert sum(bucket.take() for _ in range(110)) == 100
    assert not bucket.exhausted
    clock.now += 1
    assert bucket.take()


def test_buckets_by_key_forget_only_those_full_again() -> None:
    clock = Clock()
    buckets: Buckets[str] = Buckets(rate=1, burst=1, keep=2, clock=clock)
    assert buckets.take("a")
    assert not buckets.take("a")
    assert buckets.take("b")
    clock.now += 0.5
    assert buckets.take("c")  # a and b are not full yet: both kept
    assert not buckets.take("a")
    assert set(buckets._buckets) == {"a", "b", "c"}
    clock.now += 5
    assert buckets.take("d")  # a, b and c are full again: forgotten, which changes nothing
    assert set(buckets._buckets) == {"d"}
    assert buckets.take("a")
    assert not buckets.take("a")
