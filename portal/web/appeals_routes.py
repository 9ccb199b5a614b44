"""Mounting of every appeal page: citizen pages, staff pages, reference data."""

from __future__ import annotations

from aiohttp import web

from portal.web import admin_reference, appeals, appeals_staff


def setup_appeals(app: web.Application) -> None:
    """Mount the appeal pages, the officer's pages and reference administration."""
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
