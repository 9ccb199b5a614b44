"""The one place the portal is mounted on the node's application: the HTTP kernel (what
every handler finds on the app, sessions, the middleware stack), then the pages
(portal.web) and the JSON API (portal.api), which know nothing of each other."""

from __future__ import annotations

from aiohttp import web

from config.settings import Settings
from portal.adapters.clock import Clock
from portal.adapters.db import Database
from portal.adapters.mail import Mailer
from portal.adapters.recording_files import RecordingFiles
from portal.adapters.storage import BlobStore
from portal.api import accounts as accounts_api
from portal.api import appeals as appeals_api
from portal.api import reception_schedule as reception_schedule_api
from portal.api import receptions as receptions_api
from portal.api import recordings as recordings_api
from portal.api.kernel import setup_api
from portal.http.access import access_middleware_factory
from portal.http.appeals_request import STORE
from portal.http.appeals_uploads import blob_collector
from portal.http.auth import require_access
from portal.http.context import CLOCK, DATABASE, MAILER, SETTINGS
from portal.http.csrf import csrf_middleware
from portal.http.errors import errors_middleware
from portal.http.receptions_request import BOARD, reception_keeper
from portal.http.recordings_request import (
    FILES,
    JOBS,
    own_job_queue,
    recording_tidier,
    recording_watcher,
    running,
)
from portal.http.session import session_middleware, setup_sessions
from portal.services.receptions_board import NoBoard, ReceptionBoard
from portal.web import setup_web
from portal.web.templating import template_context_middleware
from transcoder.queue import JobQueue


def setup_portal(
    app: web.Application,
    settings: Settings,
    db: Database,
    board: ReceptionBoard | None = None,
    jobs: JobQueue | None = None,
) -> None:
    """Mount the portal's routes, middlewares and template engine on the node's application.

    `board` feeds the live conference the portal's receptions (none: nobody to tell).
    `jobs` converts published recordings (none: the portal runs its own queue in process).
    """
    app[SETTINGS] = settings
    app[BOARD] = board or NoBoard()
    app[DATABASE] = db
    app[MAILER] = Mailer(settings.mail, settings.outbox_dir)
    app[CLOCK] = Clock()
    setup_sessions(app, settings)
    app[STORE] = BlobStore(settings.uploads_dir)
    app.cleanup_ctx.append(blob_collector(app[STORE]))
    app.cleanup_ctx.append(reception_keeper)
    app[FILES] = RecordingFiles(settings.recordings_dir)
    if jobs is None:
        jobs = own_job_queue(settings)
        app.cleanup_ctx.append(running(jobs))
    app[JOBS] = jobs
    app.cleanup_ctx.append(recording_watcher)
    app.cleanup_ctx.append(recording_tidier)
    # Order matters: the session wraps everything (error pages may issue a CSRF token),
    # then the template context, then errors turn what the inner ones raise into pages
    # or JSON.
    app.middlewares.extend(
        [
            session_middleware,
            template_context_middleware,
            errors_middleware,
            csrf_middleware,
            access_middleware_factory(require_access),
        ]
    )
    setup_web(app, settings)
    appeals_api.api.mount(app)
    setup_api(app)
    accounts_api.api.mount(app)
    receptions_api.api.mount(app)
    reception_schedule_api.api.mount(app)
    recordings_api.api.mount(app)
