"""Mounts the live conference on the node's application: socket.io, pages, lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from aiohttp import web
from prometheus_client import CollectorRegistry

from config.settings import Settings
from recorder.folders import TRACKS, reception_folder
from recorder.track_recorder import Recording
from sfu import Router
from signaling import devpage
from signaling.directory import ReceptionDirectory, directory_for
from signaling.media import MediaRouter, RouterFactory
from signaling.namespace import ReceptionNamespace
from signaling.options import SignalingOptions, options_from
from signaling.protocol.events import ConferenceEvents
from signaling.registry import ConferenceRegistry, ReceptionLoader
from signaling.reporting import EventReporter
from signaling.server import attach, create_server
from signaling.spent_tokens import spent_tokens_for
from signaling.state_store import room_store_for
from signaling.turn import IceServers

SIGNALING = web.AppKey("signaling.namespace", ReceptionNamespace)


def setup_signaling(
    app: web.Application,
    settings: Settings,
    static_dir: Path,
    *,
    options: SignalingOptions | None = None,
    router_factory: RouterFactory | None = None,
    directory: ReceptionDirectory | None = None,
    events: Sequence[ConferenceEvents] = (),
    loader: ReceptionLoader | None = None,
    metrics: CollectorRegistry | None = None,
) -> ReceptionNamespace:
    """Attach the /reception namespace and the conference page; returns the namespace.

    Each live reception gets its own `sfu.Router` (recording its on-air tracks when
    `recording.enabled`) unless `router_factory` says otherwise.
    The portal feeds `directory` and hears the conference's `events`; `loader` fetches a
    reception the directory has not been fed. Refusals by the limits and handovers of
    receptions between nodes are counted in `metrics`, the node's /metrics registry.
    """
    token_key = settings.secrets.token_key
    if token_key is None:
        raise ValueError("secrets.token_key must be set before the signaling starts")
    key = token_key.get_secret_value()
    opts = options or options_from(settings.signaling, settings.server.port)
    if router_factory is None:

        def router_factory(reception_id: str) -> MediaRouter:
            router = Router(settings.rtc, f"reception-{reception_id}")
            if settings.recording.enabled:
                folder = reception_folder(settings.recordings_dir, reception_id) / TRACKS
                router.record(Recording(folder).sink_for)
            return router

    if directory is None:
        directory = directory_for(settings.redis.url, opts.claim_ttl_s)
    shared = directory
    store = room_store_for(settings.redis.url)
    sio = create_server(settings.redis)
    turn_secret = settings.secrets.turn_secret
    namespace = ReceptionNamespace(
        key,
        lambda channel: ConferenceRegistry(
            shared,
            channel,
            router_factory,
            opts,
            reporter=EventReporter(*events),
            loader=loader,
            store=store,
            metrics=metrics,
        ),
        ice_servers=IceServers(
            settings.rtc, settings.turn, turn_secret.get_secret_value() if turn_secret else None
        ),
        limits=settings.signaling.limits,
        trusted_proxies=settings.server.trusted_proxies,
        metrics=metrics,
        spent_tokens=spent_tokens_for(settings.redis.url),
        kept_rooms=store,
    )
    attach(app, sio, namespace)
    app[SIGNALING] = namespace
    page = static_dir / "conference.html"

    async def conference_page(request: web.Request) -> web.FileResponse:
        return web.FileResponse(page, headers={"Cache-Control": "no-store"})

    app.router.add_get("/conference", conference_page, name="conference")
    if settings.server.development:
        devpage.mount(app, shared, key)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        await shared.start()
        yield
        await namespace.close()
        await sio.shutdown()

    app.cleanup_ctx.append(lifecycle)
    return namespace
