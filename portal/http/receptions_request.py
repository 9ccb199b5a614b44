"""What reception handlers find on the application: the board that feeds the live
conference, and the use cases' dependencies built from the app."""

from __future__ import annotations

from aiohttp import web

from portal.http.context import CLOCK, DATABASE, MAILER, SETTINGS, time_zone_of
from portal.http.periodic import every
from portal.services.receptions import ReceptionsDeps
from portal.services.receptions_board import ReceptionBoard
from portal.services.receptions_keeper import PERIOD, sweep

BOARD = web.AppKey("portal.reception_board", ReceptionBoard)


def receptions_deps(app: web.Application) -> ReceptionsDeps:
    """Built per call so a test's clock or mailer swapped on the app is picked up."""
    return ReceptionsDeps(
        app[DATABASE],
        app[CLOCK],
        app[MAILER],
        app[SETTINGS].public_url.rstrip("/"),
        time_zone_of(app),
        app[BOARD],
    )


def deps_of(request: web.Request) -> ReceptionsDeps:
    return receptions_deps(request.app)


def reception_id(request: web.Request) -> int:
    return int(request.match_info["reception_id"])


reception_keeper = every(
    PERIOD,
    lambda app: sweep(receptions_deps(app), app[CLOCK].now()),
    "receptions not swept",
)
"""Close receptions nobody closed (`receptions_keeper`): at start-up, then every `PERIOD`."""
