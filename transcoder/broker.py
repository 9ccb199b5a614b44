"""taskiq-redis's stream broker, made to hand a dead worker's job to a live one.

`RedisStreamBroker` (taskiq-redis 1.2) reads with XREADGROUP and acknowledges after the
task, which is the right shape, but as shipped it does not do the two things a queue of
hour-long ffmpeg jobs needs:

- it runs XAUTOCLAIM only after an XREADGROUP that returned messages, so a worker with
  nothing new to read never takes over a dead worker's pending job; and it claims up to
  `unacknowledged_batch_size` entries at once, parking them behind a busy worker;
- nothing refreshes a pending entry's idle time while its job runs, so any job longer than
  the idle timeout would be claimed by a second worker while the first is still encoding.

This subclass reads one message at a time (the receiver asks only when it has a free slot),
tries XAUTOCLAIM for one entry idle longer than `idle_timeout` ms before every read, and
heartbeats the entries it is running (XCLAIM to itself with JUSTID, which resets their idle
time without counting a delivery). A worker killed with SIGKILL stops heartbeating, and its
job goes to another worker `idle_timeout` later. Acknowledged entries are deleted, so the
stream's length is the number of jobs waiting or running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from taskiq import AckableMessage
from taskiq_redis import RedisStreamBroker

log = logging.getLogger(__name__)


class ReclaimingStreamBroker(RedisStreamBroker):
    def __init__(self, url: str, *, queue_name: str, idle_timeout_ms: int, **kwargs: Any) -> None:
        super().__init__(
            url,
            queue_name=queue_name,
            consumer_group_name=f"{queue_name}:workers",
            consumer_id="0",  # a job queued before any worker started is still delivered
            idle_timeout=idle_timeout_ms,
            xread_count=1,
            unacknowledged_batch_size=1,
            **kwargs,
        )
        self._in_flight: set[bytes] = set()
        self._heartbeat: asyncio.Task[None] | None = None

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        """Yield one message per call: a reclaimed dead worker's job first, else a new one."""
        if self._heartbeat is None:
            self._heartbeat = asyncio.create_task(self._keep_claimed())
        async with Redis(connection_pool=self.connection_pool) as redis:
            while True:
                reply: Any = await redis.xautoclaim(
                    self.queue_name,
                    self.consumer_group_name,
                    self.consumer_name,
                    min_idle_time=self.idle_timeout,
                    count=1,
                )
                messages = reply[1]
                if not messages:
                    fetched: Any = await redis.xreadgroup(
                        self.consumer_group_name,
                        self.consumer_name,
                        {self.queue_name: ">"},
                        block=self.block,
                        count=1,
                    )
                    messages = fetched[0][1] if fetched else []
                else:
                    log.info(
                        "reclaimed a job from a stopped worker",
                        extra={"stream": self.queue_name, "entry": messages[0][0]},
                    )
                for entry_id, fields in messages:
                    if not fields or b"data" not in fields:
                        await self._ack(entry_id)  # trimmed or foreign: nothing to run
                        continue
                    self._in_flight.add(entry_id)
                    yield AckableMessage(data=fields[b"data"], ack=self._acker(entry_id))

    def _acker(self, entry_id: bytes) -> Callable[[], Awaitable[None]]:
        async def ack() -> None:
            await self._ack(entry_id)

        return ack

    async def _ack(self, entry_id: bytes) -> None:
        self._in_flight.discard(entry_id)
        async with (
            Redis(connection_pool=self.connection_pool) as redis,
            redis.pipeline(transaction=True) as pipe,
        ):
            pipe.xack(self.queue_name, self.consumer_group_name, entry_id)
            pipe.xdel(self.queue_name, entry_id)
            await pipe.execute()

    async def _keep_claimed(self) -> None:
        """Reset the idle time of the entries this worker runs, well within the timeout.

        Only entries still pending for this consumer: one another worker took over (this
        worker stalled past the idle timeout) is not taken back."""
        period = self.idle_timeout / 1000 / 4
        while True:
            await asyncio.sleep(period)
            if not self._in_flight:
                continue
            try:
                async with Redis(connection_pool=self.connection_pool) as redis:
                    pending: Any = await redis.xpending_range(
                        self.queue_name,
                        self.consumer_group_name,
                        min="-",
                        max="+",
                        count=100,
                        consumername=self.consumer_name,
                    )
                    mine = {entry["message_id"] for entry in pending} & self._in_flight
                    lost = self._in_flight - mine
                    if lost:
                        log.warning("running jobs were taken over", extra={"entries": lost})
                        self._in_flight -= lost
                    if mine:
                        await redis.xclaim(
                            self.queue_name,
                            self.consumer_group_name,
                            self.consumer_name,
                            min_idle_time=0,
                            message_ids=list(mine),
                            justid=True,
                        )
            except (OSError, RedisError) as exc:
                log.warning("could not refresh running jobs", extra={"error": str(exc)})

    async def waiting(self) -> int:
        """Entries not yet delivered to any worker (the stream holds only live entries)."""
        async with Redis(connection_pool=self.connection_pool) as redis:
            length = await redis.xlen(self.queue_name)
            pending = await redis.xpending(self.queue_name, self.consumer_group_name)
        return max(0, int(length) - int(pending["pending"]))

    async def shutdown(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        await super().shutdown()
