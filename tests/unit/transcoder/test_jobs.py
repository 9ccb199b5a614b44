"""A job's context: progress is stored throttled but never loses the end; status helpers."""

from __future__ import annotations

import pytest

from transcoder.jobs import JobCancelled, JobContext, JobState, JobStatus


class Recorder:
    def __init__(self) -> None:
        self.stored: list[tuple[float, str]] = []

    async def __call__(self, fraction: float, note: str) -> None:
        self.stored.append((fraction, note))


async def test_progress_is_throttled_clamped_and_keeps_the_end() -> None:
    sink = Recorder()
    context = JobContext("j", sink=sink, min_interval_s=3600, min_step=0.25)
    for step in range(1, 20):
        await context.progress(step / 100)
    await context.progress(0.5, "half")
    await context.progress(1.7, "over")
    assert sink.stored == [(0.01, ""), (0.5, "half"), (1.0, "over")]
    assert context.fraction == 1.0
    await context.progress(1.0)
    assert len(sink.stored) == 3


async def test_without_a_sink_progress_is_only_remembered() -> None:
    context = JobContext("j")
    await context.progress(-1)
    assert context.fraction == 0.0
    await context.progress(0.3)
    assert context.fraction == 0.3


def test_cancelled_context_raises() -> None:
    context = JobContext("j", attempt=2)
    context.raise_if_cancelled()
    context.cancelled.set()
    with pytest.raises(JobCancelled):
        context.raise_if_cancelled()


def test_finished_states() -> None:
    def status(state: JobState) -> JobStatus:
        return JobStatus("j", "k", state, 0.0, 1, None, {}, 0.0)

    assert [s for s in JobState if status(s).finished] == [
        JobState.DONE,
        JobState.FAILED,
        JobState.CANCELLED,
    ]
    assert JobState("queued") is JobState.QUEUED
