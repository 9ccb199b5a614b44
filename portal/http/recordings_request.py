"""What recording handlers find on the application: the job queue and the recordings
folder, the use cases' dependencies built from them, and the queue's and the watchers'
lifetimes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web
from prometheus_client import CollectorRegistry

from config.settings import Settings
from portal.adapters.recording_files import RecordingFiles
from portal.http.context import CLOCK, DATABASE, SETTINGS
from portal.http.periodic import every
from portal.services.recordings import Jobs, RecordingsDeps
from portal.services.recordings_progress import TIDY_PERIOD, WATCH_PERIOD, tidy, watch
from transcoder.queue import JobQueue, job_queue_for

JOBS = web.AppKey("portal.jobs", Jobs)
FILES = web.AppKey("portal.recording_files", RecordingFiles)


def recordings_deps(app: web.Application) -> RecordingsDeps:
    settings = app[SETTINGS]
    return RecordingsDeps(
        app[DATABASE],
        app[CLOCK],
        app[JOBS],
        app[FILES],
        settings.recording.max_upload_mb * 1024 * 1024,
    )


def deps_of(request: web.Request) -> RecordingsDeps:
    return recordings_deps(request.app)


def own_job_queue(settings: Settings) -> JobQueue:
    """For an app given no queue (the portal alone, tests): an in-process queue that runs
    the conversions itself. Its metrics go to a registry of its own: the node's queue is
    the one it exposes."""
    return job_queue_for(settings, registry=CollectorRegistry())


def running(queue: JobQueue) -> Callable[[web.Application], AsyncIterator[None]]:
    """A `cleanup_ctx` entry: the queue takes jobs while the app runs."""

    async def run(app: web.Application) -> AsyncIterator[None]:
        await queue.start(worker=True)
        yield
        await queue.close()

    return run


recording_watcher = every(
    WATCH_PERIOD,
    lambda app: watch(recordings_deps(app)),
    "recordings not followed",
)
"""Takes in conversions that ended while nobody had the page open."""

recording_tidier = every(
    TIDY_PERIOD,
    lambda app: tidy(recordings_deps(app)),
    "recording files not tidied",
)
