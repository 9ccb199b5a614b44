"""What portal handlers find on the application: settings, database, mailer and clock."""

from aiohttp import web

from config.settings import Settings
from portal.adapters.clock import Clock
from portal.adapters.db import Database
from portal.adapters.mail import Mailer

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
