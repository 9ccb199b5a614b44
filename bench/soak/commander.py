"""The soak's moderator at work: bench/soak/schedule.py's commands at their second, each
acknowledgement timed and kept."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.soak.client import SoakClient
from bench.soak.schedule import commands_at


class Commander:
    def __init__(self, client: SoakClient, citizens: list[str], host: str) -> None:
        self.client = client
        self.citizens = citizens
        self.host = host
        self.log: list[dict[str, Any]] = []

    async def run(self, start: float) -> None:
        second = 0
        while True:
            await asyncio.sleep(max(0.0, start + second - time.time()))
            for event, data in commands_at(second, self.citizens, self.host):
                await self._send(start, event, data)
            second += 1

    async def _send(self, start: float, event: str, data: dict[str, Any]) -> None:
        sent = time.time()
        entry: dict[str, Any] = {"at_s": round(sent - start, 3), "event": event, "data": data}
        try:
            await self.client.call(event, data)
        except Exception as error:  # a refusal or a lost acknowledgement: reported
            entry["error"] = f"{type(error).__name__}: {error}"
        entry["ack_ms"] = round((time.time() - sent) * 1000, 2)
        self.log.append(entry)
