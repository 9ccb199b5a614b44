"""Hands the conference's events to the portal in order, off the signaling path.

A socket.io handler only queues an event; one task per node writes them one after the
other, so `live` is written before `joined`, and a slow database delays the record, never
a participant's command.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from signaling.protocol.events import ConferenceEvent, ConferenceEvents, EventKind

log = logging.getLogger(__name__)


class EventReporter:
    """Hands every event to each of `sinks` (the portal's record, the recorder's
    timeline); one sink failing loses the event for that sink only."""

    def __init__(self, *sinks: ConferenceEvents) -> None:
        self._sinks = sinks
        self._queue: asyncio.Queue[ConferenceEvent] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def report(self, kind: EventKind, reception_id: str, **fields: Any) -> None:
        if not self._sinks:
            return
        self._queue.put_nowait(ConferenceEvent(kind, reception_id, time.time(), **fields))
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._write())

    async def drain(self) -> None:
        """Wait until every queued event is written (tests, and a clean shutdown)."""
        await self._queue.join()

    async def _write(self) -> None:
        while True:
            event = await self._queue.get()
            for sink in self._sinks:
                try:
                    await sink.record(event)
                except Exception:
                    log.exception(
                        "could not record a conference event",
                        extra={"reception": event.reception_id, "event": event.kind.value},
                    )
            self._queue.task_done()

    async def close(self) -> None:
        if self._task is None:
            return
        try:
            await asyncio.wait_for(self.drain(), timeout=5.0)
        except TimeoutError:
            log.warning("conference events left unwritten at shutdown")
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
