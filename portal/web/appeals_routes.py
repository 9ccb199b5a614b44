"""Mounting of every appeals route: citizen pages, staff pages, reference data, API."""

from __future__ import annotations

from aiohttp import web

from portal.adapters.storage import BlobStore
from portal.api.appeals import api
from portal.web import admin_reference, appeals, appeals_staff
from portal.web.appeals_uploads import blob_collector
from portal.web.context import SETTINGS


def setup_appeals(app: web.Application) -> None:
    """Mount the appeal pages, the officer's pages, reference administration and the API."""
    app[appeals.STORE] = BlobStore(app[SETTINGS].uploads_dir)
    app.cleanup_ctx.append(blob_collector(app[appeals.STORE]))
    r = app.router
    r.add_get("/appeals", appeals.my_appeals, name="my_appeals")
    r.add_get("/appeals/new", appeals.new_appeal_form, name="new_appeal")
    r.add_post("/appeals/new", appeals.submit_appeal)
    r.add_get(r"/appeals/{appeal_id:\d+}", appeals.appeal_page, name="appeal")
    r.add_get(r"/appeals/{appeal_id:\d+}/withdraw", appeals.withdraw_confirm)
    r.add_post(r"/appeals/{appeal_id:\d+}/withdraw", appeals.withdraw_appeal)
    r.add_get(r"/appeals/{appeal_id:\d+}/files/{file_id:\d+}", appeals.download_file)
    r.add_get(r"/appeals/{appeal_id:\d+}/answer.pdf", appeals.download_answer)
    appeals_staff.mount(app)
    admin_reference.mount(app)
    api.mount(app)
