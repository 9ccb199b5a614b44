"""What portal handlers find on the application: settings, database, mailer and clock;
the reception's time zone and its public links."""

from datetime import tzinfo

from aiohttp import web

from config.settings import Settings
from portal.adapters.clock import Clock
from portal.adapters.db import Database
from portal.adapters.mail import Mailer
from portal.domain.local_time import zone

SETTINGS = web.AppKey("portal.settings", Settings)
DATABASE = web.AppKey("portal.database", Database)
MAILER = web.AppKey("portal.mailer", Mailer)
CLOCK = web.AppKey("portal.clock", Clock)


def settings_of(request: web.Request) -> Settings:
    return request.app[SETTINGS]


def database_of(request: web.Request) -> Database:
    return request.app[DATABASE]


def mailer_of(request: web.Request) -> Mailer:
    return request.app[MAILER]


def clock_of(request: web.Request) -> Clock:
    return request.app[CLOCK]


def link_key_of(request: web.Request) -> str:
    """The key that signs e-mailed links (secrets are filled in before the app is built)."""
    key = request.app[SETTINGS].secrets.token_key
    assert key is not None
    return key.get_secret_value()


def time_zone_of(app: web.Application) -> tzinfo:
    """The reception's time zone (`server.time_zone`): pages and letters show times in it."""
    return zone(app[SETTINGS].server.time_zone)


def absolute(request: web.Request, path: str) -> str:
    """A link for a letter: always the configured public URL (in the embedded default the
    listening address), never the request's Host header, which the client chooses: a
    forged one would carry a reset token to another site."""
    return settings_of(request).public_url.rstrip("/") + path
