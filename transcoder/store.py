"""Job status records: in memory for the embedded default, Redis hashes when scaled out.

Taskiq carries the messages; what a job *is* (state, attempts, progress, cancel flag, the
params needed to run it again) lives here, because taskiq's result backends keep only a
finished result. Every transition is one atomic step (a Lua script in Redis), so a
redelivered message, a cancel and a resubmission racing each other leave one consistent
record.

Each run of a job carries a `run` token: a message from an earlier run of the same id (a
reclaimed delivery after a resubmission) sees a different token and is dropped.
"""

from __future__ import annotations

import enum
import json
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis.asyncio as aioredis

from transcoder.jobs import FINISHED_STATES, JobState, JobStatus

STATUS_TTL_S = 7 * 24 * 3600
"""A job's record outlives its last change by this long (the portal shows recent jobs)."""


class Start(enum.StrEnum):
    """What a worker should do with a delivered message."""

    RUN = "run"
    SKIP = "skip"
    """Stale run token, cancelled or already finished: acknowledge and drop."""
    EXHAUSTED = "exhausted"
    """Its workers died max_attempts times: the record is now FAILED."""


@dataclass(frozen=True, slots=True)
class Started:
    action: Start
    attempt: int = 0
    kind: str = ""
    params: dict[str, Any] = field(default_factory=dict)


EXHAUSTED_ERROR = "the worker running this job stopped (killed or crashed) {n} times; giving up"


def exhausted_error(attempts: int) -> str:
    return EXHAUSTED_ERROR.replace("{n}", str(attempts))


class StatusStore(Protocol):
    async def submit(self, job_id: str, kind: str, params: dict[str, Any], run: str) -> bool:
        """Reset the record to QUEUED under `run`; False (no change) if it is not finished."""

    async def start(self, job_id: str, run: str, max_attempts: int) -> Started:
        """Count an attempt and mark RUNNING, unless the message is stale or spent."""

    async def progress(self, job_id: str, run: str, fraction: float) -> None: ...

    async def finish(
        self,
        job_id: str,
        run: str,
        state: JobState,
        error: str | None = None,
        result: dict[str, Any] | None = None,
    ) -> bool:
        """Record the outcome if the record still belongs to `run` and is running."""

    async def requeue(self, job_id: str, run: str) -> None:
        """A worker stopping gracefully gives the job back; the attempt does not count."""

    async def cancel(self, job_id: str) -> JobState | None:
        """QUEUED becomes CANCELLED; RUNNING gets a cancel flag. Returns the state before."""

    async def cancel_requested(self, job_ids: list[str]) -> set[str]:
        """Which of these running jobs someone asked to cancel."""

    async def get(self, job_id: str) -> JobStatus | None: ...

    async def close(self) -> None: ...


@dataclass(slots=True)
class _Record:
    kind: str
    params: dict[str, Any]
    run: str
    state: JobState = JobState.QUEUED
    progress: float = 0.0
    attempts: int = 0
    error: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    updated_at: float = field(default_factory=time.time)
    cancel: bool = False


class MemoryStatusStore:
    """The embedded default's records: one process, so plain dict operations are atomic."""

    def __init__(self) -> None:
        self._records: dict[str, _Record] = {}

    async def submit(self, job_id: str, kind: str, params: dict[str, Any], run: str) -> bool:
        old = self._records.get(job_id)
        if old is not None and old.state not in FINISHED_STATES:
            return False
        self._forget_old()
        self._records[job_id] = _Record(kind=kind, params=params, run=run)
        return True

    def _forget_old(self) -> None:
        """Finished records expire as Redis's do, so a long-lived server does not grow."""
        horizon = time.time() - STATUS_TTL_S
        for job_id in [
            j
            for j, rec in self._records.items()
            if rec.state in FINISHED_STATES and rec.updated_at < horizon
        ]:
            del self._records[job_id]

    async def start(self, job_id: str, run: str, max_attempts: int) -> Started:
        rec = self._records.get(job_id)
        if rec is None or rec.run != run or rec.state in FINISHED_STATES:
            return Started(Start.SKIP)
        if rec.cancel:
            self._set(rec, state=JobState.CANCELLED)
            return Started(Start.SKIP)
        if rec.attempts >= max_attempts:
            self._set(rec, state=JobState.FAILED, error=exhausted_error(rec.attempts))
            return Started(Start.EXHAUSTED, rec.attempts)
        self._set(rec, state=JobState.RUNNING, attempts=rec.attempts + 1)
        return Started(Start.RUN, rec.attempts, rec.kind, rec.params)

    async def progress(self, job_id: str, run: str, fraction: float) -> None:
        rec = self._records.get(job_id)
        if rec is not None and rec.run == run and rec.state is JobState.RUNNING:
            self._set(rec, progress=fraction)

    async def finish(
        self,
        job_id: str,
        run: str,
        state: JobState,
        error: str | None = None,
        result: dict[str, Any] | None = None,
    ) -> bool:
        rec = self._records.get(job_id)
        if rec is None or rec.run != run or rec.state is not JobState.RUNNING:
            return False
        progress = 1.0 if state is JobState.DONE else rec.progress
        self._set(rec, state=state, error=error, result=result or {}, progress=progress)
        return True

    async def requeue(self, job_id: str, run: str) -> None:
        rec = self._records.get(job_id)
        if rec is not None and rec.run == run and rec.state is JobState.RUNNING:
            self._set(rec, state=JobState.QUEUED, attempts=max(0, rec.attempts - 1))

    async def cancel(self, job_id: str) -> JobState | None:
        rec = self._records.get(job_id)
        if rec is None:
            return None
        before = rec.state
        if before is JobState.QUEUED:
            self._set(rec, state=JobState.CANCELLED)
        elif before is JobState.RUNNING:
            rec.cancel = True
        return before

    async def cancel_requested(self, job_ids: list[str]) -> set[str]:
        return {j for j in job_ids if (rec := self._records.get(j)) is not None and rec.cancel}

    async def get(self, job_id: str) -> JobStatus | None:
        rec = self._records.get(job_id)
        if rec is None:
            return None
        return JobStatus(
            id=job_id,
            kind=rec.kind,
            state=rec.state,
            progress=rec.progress,
            attempts=rec.attempts,
            error=rec.error,
            result=dict(rec.result),
            updated_at=rec.updated_at,
        )

    def waiting(self) -> int:
        """Jobs submitted and not yet started."""
        return sum(1 for rec in self._records.values() if rec.state is JobState.QUEUED)

    async def close(self) -> None:
        self._records.clear()

    @staticmethod
    def _set(rec: _Record, **changes: Any) -> None:
        for name, value in changes.items():
            setattr(rec, name, value)
        rec.updated_at = time.time()


# KEYS[1] is the job's hash everywhere; ARGV[1] the time, ARGV[2] the TTL in seconds.
_SUBMIT = """
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'queued' or state == 'running' then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'kind', ARGV[3], 'params', ARGV[4], 'run', ARGV[5],
  'state', 'queued', 'progress', '0', 'attempts', '0', 'error', '', 'result', '{}',
  'updated_at', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""

_START = """
local h = redis.call('HMGET', KEYS[1], 'run', 'state', 'attempts', 'cancel', 'kind', 'params')
if not h[1] or h[1] ~= ARGV[3] then return {'skip'} end
if h[2] ~= 'queued' and h[2] ~= 'running' then return {'skip'} end
if h[4] == '1' then
  redis.call('HSET', KEYS[1], 'state', 'cancelled', 'updated_at', ARGV[1])
  return {'skip'}
end
local attempts = tonumber(h[3])
redis.call('EXPIRE', KEYS[1], ARGV[2])
if attempts >= tonumber(ARGV[4]) then
  local error = string.gsub(ARGV[5], '{n}', tostring(attempts))
  redis.call('HSET', KEYS[1], 'state', 'failed', 'error', error, 'updated_at', ARGV[1])
  return {'exhausted', tostring(attempts)}
end
redis.call('HSET', KEYS[1], 'state', 'running', 'attempts', attempts + 1, 'updated_at', ARGV[1])
return {'run', tostring(attempts + 1), h[5], h[6]}
"""

_PROGRESS = """
local h = redis.call('HMGET', KEYS[1], 'run', 'state')
if h[1] ~= ARGV[3] or h[2] ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'progress', ARGV[4], 'updated_at', ARGV[1])
return 1
"""

_FINISH = """
local h = redis.call('HMGET', KEYS[1], 'run', 'state', 'progress')
if h[1] ~= ARGV[3] or h[2] ~= 'running' then return 0 end
local progress = h[3]
if ARGV[4] == 'done' then progress = '1' end
redis.call('HSET', KEYS[1], 'state', ARGV[4], 'error', ARGV[5], 'result', ARGV[6],
  'progress', progress, 'updated_at', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""

_REQUEUE = """
local h = redis.call('HMGET', KEYS[1], 'run', 'state', 'attempts')
if h[1] ~= ARGV[3] or h[2] ~= 'running' then return 0 end
local attempts = math.max(0, tonumber(h[3]) - 1)
redis.call('HSET', KEYS[1], 'state', 'queued', 'attempts', attempts, 'updated_at', ARGV[1])
return 1
"""

_CANCEL = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return '' end
if state == 'queued' then
  redis.call('HSET', KEYS[1], 'state', 'cancelled', 'updated_at', ARGV[1])
elseif state == 'running' then
  redis.call('HSET', KEYS[1], 'cancel', '1')
end
return state
"""


class RedisStatusStore:
    """One hash per job, `<prefix>:job:<id>`, expiring STATUS_TTL_S after its last change."""

    def __init__(self, client: aioredis.Redis, prefix: str, ttl_s: int = STATUS_TTL_S) -> None:
        self._redis = client
        self._prefix = prefix
        self._ttl_s = ttl_s
        self._submit = client.register_script(_SUBMIT)
        self._start = client.register_script(_START)
        self._progress = client.register_script(_PROGRESS)
        self._finish = client.register_script(_FINISH)
        self._requeue = client.register_script(_REQUEUE)
        self._cancel = client.register_script(_CANCEL)

    def key(self, job_id: str) -> str:
        return f"{self._prefix}:job:{job_id}"

    def _args(self, *args: Any) -> list[Any]:
        return [repr(time.time()), self._ttl_s, *args]

    async def submit(self, job_id: str, kind: str, params: dict[str, Any], run: str) -> bool:
        args = self._args(kind, json.dumps(params), run)
        return bool(await self._submit(keys=[self.key(job_id)], args=args))

    async def start(self, job_id: str, run: str, max_attempts: int) -> Started:
        reply = await self._start(
            keys=[self.key(job_id)], args=self._args(run, max_attempts, EXHAUSTED_ERROR)
        )
        action = Start(_text(reply[0]))
        if action is Start.EXHAUSTED:
            return Started(action, int(reply[1]))
        if action is Start.SKIP:
            return Started(action)
        return Started(action, int(reply[1]), _text(reply[2]), json.loads(reply[3]))

    async def progress(self, job_id: str, run: str, fraction: float) -> None:
        await self._progress(keys=[self.key(job_id)], args=self._args(run, repr(fraction)))

    async def finish(
        self,
        job_id: str,
        run: str,
        state: JobState,
        error: str | None = None,
        result: dict[str, Any] | None = None,
    ) -> bool:
        args = self._args(run, state.value, error or "", json.dumps(result or {}))
        return bool(await self._finish(keys=[self.key(job_id)], args=args))

    async def requeue(self, job_id: str, run: str) -> None:
        await self._requeue(keys=[self.key(job_id)], args=self._args(run))

    async def cancel(self, job_id: str) -> JobState | None:
        before = _text(await self._cancel(keys=[self.key(job_id)], args=self._args()))
        return JobState(before) if before else None

    async def cancel_requested(self, job_ids: list[str]) -> set[str]:
        if not job_ids:
            return set()
        async with self._redis.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.hget(self.key(job_id), "cancel")
            flags = await pipe.execute()
        return {j for j, flag in zip(job_ids, flags, strict=True) if flag in (b"1", "1")}

    async def get(self, job_id: str) -> JobStatus | None:
        raw = await self._redis.hgetall(self.key(job_id))
        if not raw:
            return None
        h = {_text(k): _text(v) for k, v in raw.items()}
        return JobStatus(
            id=job_id,
            kind=h.get("kind", ""),
            state=JobState(h["state"]),
            progress=float(h.get("progress") or 0),
            attempts=int(h.get("attempts") or 0),
            error=h.get("error") or None,
            result=json.loads(h.get("result") or "{}"),
            updated_at=float(h.get("updated_at") or 0),
        )

    async def close(self) -> None:
        await self._redis.aclose()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
