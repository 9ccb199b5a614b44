"""What portal handlers find on the application: settings and the database."""

from aiohttp import web

from config.settings import Settings
from portal.adapters.db import Database

SETTINGS = web.AppKey("portal.settings", Settings)
DATABASE = web.AppKey("portal.database", Database)


def settings_of(request: web.Request) -> Settings:
    return request.app[SETTINGS]


def database_of(request: web.Request) -> Database:
    return request.app[DATABASE]
