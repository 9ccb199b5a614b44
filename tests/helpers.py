"""Small helpers shared by every test."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

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
