"""Queues the composition of a reception's recording as soon as the reception ends.

An event sink beside the timeline (`signaling.protocol.events.ConferenceEvents`): the
conference reports "ended" after its router has closed every track, so the job finds them
complete. The job's id is `compose-<reception>`, which the portal asks about to show the
composition's progress in «Доступные записи».
"""

from __future__ import annotations

import logging
from pathlib import Path

from recorder.folders import TRACKS, reception_folder
from signaling.protocol.events import ConferenceEvent, EventKind
from transcoder.jobs import COMPOSE, compose_job_id
from transcoder.queue import JobQueue

log = logging.getLogger(__name__)


class ComposeOnEnd:
    def __init__(self, jobs: JobQueue, root: Path, threads: int = 0) -> None:
        self.jobs = jobs
        self.root = root
        self.threads = threads

    async def record(self, event: ConferenceEvent) -> None:
        if event.kind is not EventKind.ENDED:
            return
        folder = reception_folder(self.root, event.reception_id)
        if not any((folder / TRACKS).glob("*.track")):
            log.info("nothing was recorded", extra={"reception": event.reception_id})
            return
        job_id = await self.jobs.submit(
            COMPOSE,
            {"folder": str(folder), "threads": self.threads},
            job_id=compose_job_id(event.reception_id),
        )
        log.info("composition queued", extra={"reception": event.reception_id, "job": job_id})
