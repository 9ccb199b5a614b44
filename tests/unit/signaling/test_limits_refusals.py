"""Refusals are counted for /metrics and logged without flooding the log themselves."""

from __future__ import annotations

import logging

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from signaling.connections import AddressConnections
from signaling.protocol import ErrorCode, SignalingError
from signaling.refusals import Refusals

RATE = SignalingError(ErrorCode.RATE_LIMITED, "slow down")


def count(registry: CollectorRegistry, code: str) -> float | None:
    return registry.get_sample_value("signaling_refusals_total", {"code": code})


def test_every_code_shows_from_zero_and_counts_each_refusal() -> None:
    registry = CollectorRegistry()
    refusals = Refusals(registry)
    assert count(registry, "token_used") == 0
    assert count(registry, "too_many_connections") == 0
    for _ in range(3):
        refusals.record(RATE, "sid-1")
    assert count(registry, "rate_limited") == 3
    assert "# TYPE signaling_refusals_total counter" in generate_latest(registry).decode()


def test_a_flood_is_logged_once_a_second_per_source(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    refusals = Refusals(CollectorRegistry(), clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, "signaling.limits"):
        for _ in range(500):
            refusals.record(RATE, "sid-1", participant="a")
        refusals.record(RATE, "sid-2")
        now[0] = 1.5
        refusals.record(RATE, "sid-1", participant="a")
    lines = [(r.source, r.unlogged_before) for r in caplog.records]  # type: ignore[attr-defined]
    assert lines == [("sid-1", 0), ("sid-2", 0), ("sid-1", 499)]
    assert caplog.records[0].code == "rate_limited"  # type: ignore[attr-defined]
    assert caplog.records[0].participant == "a"  # type: ignore[attr-defined]


def test_connections_per_address() -> None:
    connections = AddressConnections(limit=2)
    assert connections.open("s1", "198.51.100.7")
    assert connections.open("s2", "198.51.100.7")
    assert not connections.open("s3", "198.51.100.7")
    assert connections.open("s3", "203.0.113.9")  # another address has its own
    connections.close("s1")
    connections.close("s1")  # a second close of the same connection changes nothing
    assert connections.open("s4", "198.51.100.7")
    assert not connections.open("s5", "198.51.100.7")
    assert connections.address_of("s4") == "198.51.100.7"
    connections.close("never-opened")
