"""How late a client process's event loop wakes up, per minute: a loop that falls seconds
behind (a starved machine) misses its socket.io pings and its media, which is the client's
failure, not the node's, and the soak has to tell the two apart."""

from __future__ import annotations

import asyncio
import time

TICK_S = 0.1


class LoopLag:
    def __init__(self) -> None:
        self.start: float | None = None
        self.worst_ms: dict[int, float] = {}
        """Minute -> the latest wake-up in it (ms)."""

    async def run(self) -> None:
        while True:
            due = time.monotonic() + TICK_S
            await asyncio.sleep(TICK_S)
            late = (time.monotonic() - due) * 1000
            now = time.time()
            if self.start is not None and now >= self.start:
                minute = int((now - self.start) // 60)
                self.worst_ms[minute] = round(max(late, self.worst_ms.get(minute, 0.0)), 1)

    def dumps(self) -> dict[str, float]:
        return {str(minute): ms for minute, ms in sorted(self.worst_ms.items())}
