"""The application factory: one aiohttp app that carries every role of a node."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

from aiohttp import web

from config.settings import Settings
from portal.adapters.clock import Clock
from portal.adapters.db import Database
from portal.adapters.mail import Mailer
from portal.domain.local_time import zone
from portal.http.headers import setup_security_headers
from portal.http.periodic import every
from portal.http.receptions_request import receptions_deps
from portal.mount import setup_portal
from portal.services.receptions import ReceptionsDeps
from portal.services.receptions_board import NoBoard, ReceptionBoard, load_record
from portal.services.receptions_live import ConferenceRecord
from reception.health import healthz, readyz
from reception.jobs import node_jobs
from reception.metrics import Metrics, expose_metrics
from reception.middleware import observe
from recorder.after_end import ComposeOnEnd
from recorder.retention import sweep_tracks
from recorder.timeline import TimelineWriter
from sfu import Router
from sfu.metrics import SfuCollector
from sfu.peer import apply_network_settings
from signaling.directory import directory_for
from signaling.protocol.events import ConferenceEvents
from signaling.setup import setup_signaling
from transcoder.queue import JobQueue

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
METRICS = web.AppKey("metrics", Metrics)
JOBS = web.AppKey("jobs", JobQueue)
TRACKS_SWEEP_PERIOD = timedelta(hours=1)


def create_app(settings: Settings) -> web.Application:
    """Build the node's application from fully resolved settings (secrets included)."""
    metrics = Metrics()
    app = web.Application(middlewares=[observe(metrics)], client_max_size=1024**2)
    db = Database(settings.database_url, echo=settings.database.echo)
    app[METRICS] = metrics
    setup_security_headers(app, [settings.oidc.issuer or ""] if settings.oidc.enabled else [])

    apply_network_settings(settings.rtc)
    app.router.add_get("/healthz", healthz, name="healthz")
    app.router.add_get("/readyz", readyz(settings, db), name="readyz")
    expose_metrics(app, metrics, settings)
    app.router.add_static("/static/", STATIC_DIR, name="static", append_version=False)
    app.router.add_get("/favicon.ico", _favicon, name="favicon")
    roles = set(settings.server.roles)
    # First in, last out: the queue outlives the conference, whose end queues a composition.
    jobs = app[JOBS] = _job_queue(app, settings, metrics)
    # The portal feeds its receptions to the conference through the signaling directory,
    # and the conference reports back into the portal's database (docs/architecture.md).
    directory = (
        directory_for(settings.redis.url, settings.signaling.claim_ttl_s)
        if "media" in roles or settings.redis.url
        else None
    )
    if "portal" in roles:
        setup_portal(app, settings, db, directory, jobs)
    if "media" in roles:
        timeline = TimelineWriter(settings.recordings_dir)
        # Registered before the signaling, so it closes after the last event is written.
        app.cleanup_ctx.append(_closing(timeline))
        events: list[ConferenceEvents] = [
            ConferenceRecord(
                (lambda: receptions_deps(app))
                if "portal" in roles
                else _standalone_deps(settings, db, directory)
            ),
            timeline,
        ]
        if settings.recording.enabled and settings.recording.compose_after_end:
            events.append(ComposeOnEnd(jobs, settings.recordings_dir, settings.transcoder.threads))
        registry = setup_signaling(
            app,
            settings,
            STATIC_DIR,
            directory=directory,
            events=events,
            loader=lambda reception_id: load_record(db, reception_id),
            metrics=metrics.registry,
        ).registry
        # The registry is this app's own, so the collector lives and dies with the app.
        SfuCollector(
            metrics.registry, lambda: [r for r in registry.routers() if isinstance(r, Router)]
        )

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        log.info(
            "node starting",
            extra={"mode": settings.mode.value, "roles": list(settings.server.roles)},
        )
        yield
        if directory is not None and "media" not in roles:
            await directory.close()  # otherwise the signaling registry closes it
        await db.close()
        log.info("node stopped")

    app.cleanup_ctx.append(lifecycle)
    return app


FAVICON = STATIC_DIR / "img" / "favicon.svg"


async def _favicon(request: web.Request) -> web.FileResponse:
    """Browsers ask every site for /favicon.ico whatever the page links; an SVG answers
    them all (portal, conference, development page) instead of a 404 in every log."""
    return web.FileResponse(
        FAVICON, headers={"Content-Type": "image/svg+xml", "Cache-Control": "max-age=86400"}
    )


def _job_queue(app: web.Application, settings: Settings, metrics: Metrics) -> JobQueue:
    """The node's job queue: every role submits to it. Without Redis the jobs run in this
    process whatever the roles; with Redis a node with the transcoder role takes them as
    any `reception transcoder` worker does."""
    jobs = node_jobs(settings, metrics.registry)
    worker = "transcoder" in settings.server.roles

    async def running(app: web.Application) -> AsyncIterator[None]:
        await jobs.start(worker=worker)
        yield
        await jobs.close()

    app.cleanup_ctx.append(running)
    if worker:
        # The node that composes removes the raw tracks it no longer needs.
        app.cleanup_ctx.append(
            every(
                TRACKS_SWEEP_PERIOD,
                lambda app: asyncio.to_thread(
                    sweep_tracks,
                    settings.recordings_dir,
                    time.time(),
                    settings.recording.keep_tracks_days,
                ),
                "raw tracks not swept",
            )
        )
    return jobs


def _standalone_deps(
    settings: Settings, db: Database, board: ReceptionBoard | None
) -> Callable[[], ReceptionsDeps]:
    """A media-only node writes the conference's events with its own portal services."""
    deps = ReceptionsDeps(
        db,
        Clock(),
        Mailer(settings.mail, settings.outbox_dir),
        settings.public_url.rstrip("/"),
        zone(settings.server.time_zone),
        board or NoBoard(),
    )
    return lambda: deps


def _closing(timeline: TimelineWriter) -> Callable[[web.Application], AsyncIterator[None]]:
    async def run(app: web.Application) -> AsyncIterator[None]:
        yield
        timeline.close()

    return run
