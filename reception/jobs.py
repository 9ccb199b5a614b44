"""The node's job queue with every kind of job the product runs: the transcoder's own
(conversion to webm) and the recorder's composition. One place, so `reception run` and
`reception transcoder` workers can never disagree on what they take."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from config.settings import Settings
from recorder.compose import compose_reception
from transcoder.jobs import COMPOSE
from transcoder.queue import JobQueue, job_queue_for


def node_jobs(settings: Settings, registry: CollectorRegistry | None = None) -> JobQueue:
    jobs = job_queue_for(settings, registry=registry)
    jobs.register(COMPOSE, compose_reception)
    return jobs
