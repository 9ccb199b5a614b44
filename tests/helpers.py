"""Small helpers shared by every test."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


async def wait_until(
    condition: Callable[[], T | Awaitable[T]],
    timeout: float = 5.0,
    interval: float = 0.02,
    message: str | None = None,
) -> T:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds.

    Tests poll instead of sleeping: they finish as soon as the system is ready and say
    what they waited for when it never is.
    """
    deadline = time.monotonic() + timeout
    last: T | None = None
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        last = result
        if result:
            return result
        if time.monotonic() >= deadline:
            what = message or getattr(condition, "__name__", "condition")
            raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
        await asyncio.sleep(interval)


QUIET_S = 0.3
"""What the SFU sent before it stopped is decoded within this: arrivals must have paused
this long before the window starts."""


async def _read(value: Callable[[], T | Awaitable[T]]) -> T:
    result = value()
    if inspect.isawaitable(result):
        return await result
    return result


async def arrivals_after_stop(
    count: Callable[[], int | Awaitable[int]],
    forwarding: Callable[[], bool | Awaitable[bool]],
    window: float = 0.5,
    timeout: float = 5.0,
) -> int:
    """How much `count` (frames received) grows once the SFU says it stopped forwarding.

    Waits for the SFU's own word (`forwarding` false, e.g. `sfu_forwards` on its stats),
    then for what was already in flight to drain, then counts over `window`: 0 when the
    change took effect, however slow the machine, without a guessed sleep.
    """
    await wait_until(
        lambda: _stopped(forwarding), timeout=timeout, message="the SFU to stop forwarding"
    )
    deadline = time.monotonic() + timeout
    last, quiet_since = await _read(count), time.monotonic()
    while time.monotonic() - quiet_since < QUIET_S:
        if time.monotonic() > deadline:
            raise AssertionError(f"frames kept arriving for {timeout}s after forwarding stopped")
        await asyncio.sleep(0.02)
        now = await _read(count)
        if now != last:
            last, quiet_since = now, time.monotonic()
    await asyncio.sleep(window)
    return await _read(count) - last


async def _stopped(forwarding: Callable[[], bool | Awaitable[bool]]) -> bool:
    return not await _read(forwarding)


def sfu_forwards(stats: dict[str, Any], subscriber: str, publisher: str, kind: str) -> bool:
    """Whether a router's `stats()` say `publisher`'s `kind` goes to `subscriber` now."""
    entry = stats["participants"].get(subscriber, {}).get("subscriber")
    return entry is not None and any(
        c["publisher"] == publisher and c["kind"] == kind and c["forwarding"]
        for c in entry["consumers"].values()
    )
