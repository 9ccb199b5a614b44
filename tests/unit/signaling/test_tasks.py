"""A TaskSet cancels the tasks still running on close and leaves finished ones be."""

from __future__ import annotations

import asyncio

from signaling.tasks import TaskSet


async def test_cancel_all_stops_what_runs_and_leaves_what_ended() -> None:
    tasks = TaskSet()
    done = tasks.spawn(asyncio.sleep(0))
    await done
    running = tasks.spawn(asyncio.sleep(60))
    await tasks.cancel_all()
    assert running.cancelled()
    assert done.done()
    assert not done.cancelled()
