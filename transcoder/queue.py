"""The job queue: taskiq carries the messages, a status store keeps what each job is.

Embedded (no redis.url): taskiq's InMemoryBroker runs a job in this process as soon as it is
submitted, statuses live in a dict. With Redis: messages go through a Redis stream with a
consumer group (transcoder/broker.py), any number of worker processes take them, statuses
are Redis hashes, and a cancel is a flag every worker polls for the jobs it runs.

A job is one taskiq message `transcoder.job(job_id, run)`; its kind and params are in the
status record, so a message is small and a resubmitted job reuses its id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from taskiq import AsyncBroker, Context, InMemoryBroker, TaskiqDepends
from taskiq.acks import AcknowledgeType
from taskiq.receiver import Receiver

from config import Settings
from transcoder.broker import ReclaimingStreamBroker
from transcoder.convert import CONVERT_WEBM, convert_webm_handler
from transcoder.jobs import JobCancelled, JobContext, JobHandler, JobState, JobStatus
from transcoder.store import MemoryStatusStore, RedisStatusStore, Start, StatusStore

log = logging.getLogger(__name__)

TASK_NAME = "transcoder.job"
DEFAULT_PREFIX = "reception:transcoder"
_DELIVERY: Any = TaskiqDepends()
"""taskiq injects the delivery's Context (to acknowledge it) for this default."""
IDLE_TIMEOUT_S = 60.0
"""A pending job whose worker stopped heartbeating this long goes to another worker."""
RECONNECT_S = 2.0
"""How often a queue that found Redis down at start tries again."""


class _Metrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.submitted = Counter(
            "transcoder_jobs_submitted",
            "Jobs submitted (a resubmission of an unfinished job is not counted).",
            ["kind"],
            registry=registry,
        )
        self.finished = Counter(
            "transcoder_jobs_finished",
            "Jobs that ended, by outcome: done, failed, cancelled, timeout, exhausted.",
            ["kind", "outcome"],
            registry=registry,
        )
        self.duration = Histogram(
            "transcoder_job_duration_seconds",
            "Time one attempt of a job ran on this worker.",
            ["kind"],
            buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400),
            registry=registry,
        )
        self.running = Gauge(
            "transcoder_jobs_running", "Jobs running on this worker now.", registry=registry
        )
        self.waiting = Gauge(
            "transcoder_queue_depth",
            "Jobs submitted and not yet taken by a worker (as last seen by this worker).",
            registry=registry,
        )


@dataclass(slots=True)
class _Running:
    run: str
    cancelled: asyncio.Event


class JobQueue:
    """Submit, watch and cancel jobs; with `start(worker=True)`, also run them."""

    def __init__(
        self,
        broker: AsyncBroker,
        store: StatusStore,
        *,
        concurrency: int = 1,
        max_attempts: int = 3,
        job_timeout_s: float = 6 * 3600,
        registry: CollectorRegistry | None = None,
        cancel_poll_s: float = 0.5,
        waiting: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        self.broker = broker
        self.store = store
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.job_timeout_s = job_timeout_s
        self._handlers: dict[str, JobHandler] = {}
        self._running: dict[str, _Running] = {}
        self._deliveries: set[asyncio.Task[Any]] = set()
        self._slots = asyncio.Semaphore(concurrency)
        self._metrics = _Metrics(registry if registry is not None else REGISTRY)
        self._cancel_poll_s = cancel_poll_s
        self._waiting = waiting

        async def run_job(job_id: str, run: str, delivery: Context = _DELIVERY) -> None:
            await self._execute(job_id, run, delivery)

        # A plain function: taskiq renames what it registers, which a bound method refuses.
        self._task = broker.register_task(run_job, task_name=TASK_NAME)
        self._background: list[asyncio.Task[None]] = []
        self._finish = asyncio.Event()
        self._started = False

    @property
    def in_memory(self) -> bool:
        return isinstance(self.broker, InMemoryBroker)

    def register(self, kind: str, handler: JobHandler) -> None:
        """The handler workers of this process run for jobs of `kind`."""
        self._handlers[kind] = handler

    async def submit(self, kind: str, params: dict[str, Any], job_id: str | None = None) -> str:
        """Queue a job. An unfinished job with this id is left alone (its id is returned);
        a finished one is run again under the same id, its record reset."""
        job_id = job_id or uuid.uuid4().hex
        run = uuid.uuid4().hex
        if not await self.store.submit(job_id, kind, params, run):
            log.debug("job already queued or running", extra={"job_id": job_id, "kind": kind})
            return job_id
        self._metrics.submitted.labels(kind).inc()
        try:
            await self._task.kiq(job_id=job_id, run=run)
        except Exception:
            await self.store.cancel(job_id)  # not left QUEUED with no message behind it
            raise
        log.info("job submitted", extra={"job_id": job_id, "kind": kind})
        return job_id

    async def status(self, job_id: str) -> JobStatus | None:
        return await self.store.get(job_id)

    async def cancel(self, job_id: str) -> bool:
        """A queued job never runs; a running one has its ffmpeg killed. False if the job
        is unknown or already finished."""
        before = await self.store.cancel(job_id)
        running = self._running.get(job_id)
        if running is not None:
            running.cancelled.set()  # this process runs it: no need to wait for the poll
        log.info("job cancel requested", extra={"job_id": job_id, "state": str(before)})
        return before in (JobState.QUEUED, JobState.RUNNING)

    async def start(self, *, worker: bool) -> None:
        """Connect. With `worker`, this process also takes jobs. The in-memory queue always
        runs its jobs here: there is no other process to run them."""
        if self._started:
            return
        self._started = True
        self.broker.is_worker_process = worker or self.in_memory
        try:
            await self.broker.startup()
        except (OSError, aioredis.RedisError) as exc:
            # A node must come up while Redis is down (its /readyz says so); the queue
            # connects when Redis answers, and a submit meanwhile fails with a clear error.
            log.warning("job queue cannot reach Redis; retrying", extra={"error": str(exc)})
            self._background.append(asyncio.create_task(self._connect_later(worker)))
            return
        self._run(worker)

    async def _connect_later(self, worker: bool) -> None:
        while True:
            await asyncio.sleep(RECONNECT_S)
            try:
                await self.broker.startup()
            except (OSError, aioredis.RedisError):
                continue
            self._run(worker)
            return

    def _run(self, worker: bool) -> None:
        if self.in_memory:
            self._background.append(asyncio.create_task(self._watch()))
        elif worker:
            self._background.append(asyncio.create_task(self._receive()))
            self._background.append(asyncio.create_task(self._watch()))
        log.info(
            "job queue started",
            extra={
                "backend": "memory" if self.in_memory else "redis",
                "worker": worker or self.in_memory,
                "concurrency": self.concurrency,
            },
        )

    async def close(self) -> None:
        """Stop taking jobs. Running ones are stopped (their ffmpeg killed) and given back:
        with Redis another worker takes them after the idle timeout; in memory they end
        with the process."""
        self._finish.set()
        deliveries = list(self._deliveries)
        for task in deliveries:
            task.cancel()
        for task in deliveries:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._background.clear()
        if self._started:
            await self.broker.shutdown()
        await self.store.close()

    async def _receive(self) -> None:
        """taskiq's receiver on the stream; restarted after a lost connection."""
        while not self._finish.is_set():
            # MANUAL: the receiver turns even a CancelledError into a result and would ack
            # it; a job given back by a stopping worker must stay pending in the stream.
            receiver = Receiver(
                broker=self.broker,
                run_startup=False,
                max_async_tasks=self.concurrency,
                max_prefetch=0,
                ack_type=AcknowledgeType.MANUAL,
                propagate_exceptions=False,
            )
            try:
                await receiver.listen(self._finish)
            except Exception as exc:
                log.warning("job receiver stopped; restarting", extra={"error": str(exc)})
                await asyncio.sleep(1.0)

    async def _watch(self) -> None:
        """Turn cancel flags into events for the jobs running here; refresh the depth."""
        next_depth = 0.0
        while True:
            await asyncio.sleep(self._cancel_poll_s)
            try:
                if self._running and not self.in_memory:
                    for job_id in await self.store.cancel_requested(list(self._running)):
                        if (running := self._running.get(job_id)) is not None:
                            running.cancelled.set()
                if time.monotonic() >= next_depth:
                    next_depth = time.monotonic() + 5.0
                    await self._refresh_depth()
            except Exception as exc:
                log.warning("job watch failed", extra={"error": str(exc)})

    async def _refresh_depth(self) -> None:
        if isinstance(self.store, MemoryStatusStore):
            self._metrics.waiting.set(self.store.waiting())
        elif self._waiting is not None:
            self._metrics.waiting.set(await self._waiting())

    async def _execute(self, job_id: str, run: str, delivery: Context = _DELIVERY) -> None:
        """The taskiq task: one delivery of a job's message. The message is acknowledged
        once the job's record says what happened; a worker that dies (or stops) before that
        leaves it pending, for another worker to reclaim."""
        task = asyncio.current_task()
        assert task is not None
        self._deliveries.add(task)
        try:
            async with self._slots:
                await self._deliver(job_id, run)
            if delivery.is_ackable:
                await delivery.ack()
        finally:
            self._deliveries.discard(task)

    async def _deliver(self, job_id: str, run: str) -> None:
        started = await self.store.start(job_id, run, self.max_attempts)
        if started.action is Start.EXHAUSTED:
            status = await self.store.get(job_id)
            kind = status.kind if status else ""
            self._metrics.finished.labels(kind, "exhausted").inc()
            log.error(
                "job failed: its workers kept dying",
                extra={"job_id": job_id, "kind": kind, "attempts": started.attempt},
            )
            return
        if started.action is Start.SKIP:
            log.debug("stale or cancelled job message dropped", extra={"job_id": job_id})
            return
        running = _Running(run, asyncio.Event())
        self._running[job_id] = running
        self._metrics.running.inc()
        try:
            await self._attempt(job_id, started.kind, started.params, started.attempt, running)
        except asyncio.CancelledError:
            # This worker is stopping: give the job back instead of spending an attempt.
            await asyncio.shield(self.store.requeue(job_id, run))
            log.info("job given back: worker stopping", extra={"job_id": job_id})
            raise
        finally:
            self._running.pop(job_id, None)
            self._metrics.running.dec()

    async def _attempt(
        self, job_id: str, kind: str, params: dict[str, Any], attempt: int, running: _Running
    ) -> None:
        fields = {"job_id": job_id, "kind": kind, "attempt": attempt}
        handler = self._handlers.get(kind)
        if handler is None:
            error = f"no handler for job kind {kind!r} on this worker"
            await self._end(job_id, running.run, kind, JobState.FAILED, "failed", None, error)
            return

        async def store_progress(fraction: float, note: str) -> None:
            await self.store.progress(job_id, running.run, fraction)
            log.debug("job progress", extra={**fields, "progress": fraction, "note": note})

        context = JobContext(job_id, attempt, sink=store_progress, cancelled=running.cancelled)
        log.info("job started", extra=fields)
        began = time.monotonic()
        try:
            async with asyncio.timeout(self.job_timeout_s) as deadline:
                result = await handler(params, context)
        except JobCancelled:
            await self._end(job_id, running.run, kind, JobState.CANCELLED, "cancelled", began)
        except TimeoutError as exc:
            if not deadline.expired():
                await self._fail(job_id, running.run, kind, began, exc)
                return
            error = f"the job took longer than {self.job_timeout_s:g} s and was stopped"
            await self._end(job_id, running.run, kind, JobState.FAILED, "timeout", began, error)
        except Exception as exc:
            await self._fail(job_id, running.run, kind, began, exc)
        else:
            await self._end(job_id, running.run, kind, JobState.DONE, "done", began,
                            result=result)  # fmt: skip

    async def _fail(self, job_id: str, run: str, kind: str, began: float, exc: Exception) -> None:
        log.warning("job failed", exc_info=exc, extra={"job_id": job_id, "kind": kind})
        error = str(exc) or type(exc).__name__
        await self._end(job_id, run, kind, JobState.FAILED, "failed", began, error)

    async def _end(
        self,
        job_id: str,
        run: str,
        kind: str,
        state: JobState,
        outcome: str,
        began: float | None,
        error: str | None = None,
        result: dict[str, Any] | None = None,
    ) -> None:
        await self.store.finish(job_id, run, state, error, result)
        self._metrics.finished.labels(kind, outcome).inc()
        seconds = 0.0
        if began is not None:
            seconds = time.monotonic() - began
            self._metrics.duration.labels(kind).observe(seconds)
        log.info(
            "job finished",
            extra={
                "job_id": job_id,
                "kind": kind,
                "outcome": outcome,
                "seconds": round(seconds, 3),
                "error": error,
            },
        )


def job_queue_for(
    settings: Settings,
    *,
    registry: CollectorRegistry | None = None,
    prefix: str = DEFAULT_PREFIX,
    idle_timeout_s: float = IDLE_TIMEOUT_S,
    read_block_s: float = 1.0,
) -> JobQueue:
    """The queue the settings describe, with the built-in job kinds registered.

    `prefix` names the Redis keys (`<prefix>:stream`, `<prefix>:job:<id>`); tests give each
    their own, and short timeouts, to see a dead worker's job reclaimed in seconds."""
    config = settings.transcoder
    queue_options: dict[str, Any] = {
        "concurrency": config.concurrency,
        "max_attempts": config.max_attempts,
        "job_timeout_s": config.job_timeout_s,
        "registry": registry,
    }
    queue: JobQueue
    if settings.redis.url is None:
        broker = InMemoryBroker(max_async_tasks=config.concurrency)
        queue = JobQueue(broker, MemoryStatusStore(), **queue_options)
    else:
        stream = ReclaimingStreamBroker(
            settings.redis.url,
            queue_name=f"{prefix}:stream",
            idle_timeout_ms=int(idle_timeout_s * 1000),
            xread_block=int(read_block_s * 1000),
        )
        store = RedisStatusStore(aioredis.from_url(settings.redis.url), prefix)
        queue = JobQueue(stream, store, waiting=stream.waiting, **queue_options)
    queue.register(CONVERT_WEBM, convert_webm_handler(config.threads))
    return queue
