"""The conference's events reach the portal in order, and a failing write loses only
itself."""

from __future__ import annotations

import asyncio

from signaling.protocol.events import ConferenceEvent, EventKind
from signaling.reporting import EventReporter


class Sink:
    def __init__(self) -> None:
        self.written: list[tuple[EventKind, str | None]] = []

    async def record(self, event: ConferenceEvent) -> None:
        await asyncio.sleep(0.01 if event.kind is EventKind.LIVE else 0)  # a slow write
        if event.user_id == "broken":
            raise RuntimeError("the database refused")
        self.written.append((event.kind, event.user_id))


async def test_events_are_written_in_the_order_they_happened() -> None:
    sink = Sink()
    reporter = EventReporter(sink)
    reporter.report(EventKind.LIVE, "1")
    reporter.report(EventKind.JOINED, "1", user_id="broken", role="citizen")
    reporter.report(EventKind.JOINED, "1", user_id="a", role="citizen")
    reporter.report(EventKind.ON_AIR, "1", user_id="a", detail={"on_air": True})
    reporter.report(EventKind.ENDED, "1")
    await reporter.close()
    assert sink.written == [
        (EventKind.LIVE, None),
        (EventKind.JOINED, "a"),
        (EventKind.ON_AIR, "a"),
        (EventKind.ENDED, None),
    ]


async def test_without_a_portal_nothing_is_queued() -> None:
    reporter = EventReporter()
    reporter.report(EventKind.LIVE, "1")
    await reporter.drain()
    await reporter.close()
