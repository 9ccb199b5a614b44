"""The time the portal acts on, injectable so that tests move it instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime


class Clock:
    """Wall-clock UTC time; tests put a subclass on the app to shift it."""

    def now(self) -> datetime:
        return datetime.now(UTC)
