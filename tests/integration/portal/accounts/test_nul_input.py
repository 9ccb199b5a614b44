"""A NUL in what a client sends is refused with the documented error, on PostgreSQL too.

PostgreSQL refuses NUL in any string, even inside a search condition, so a sign-in with a
NUL in the login failed deep in the query with a 500 there while SQLite accepted it.
"""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.integration.portal.accounts.conftest import CITIZEN, csrf_of, solve


async def test_a_nul_in_a_form_is_refused_not_a_500(client: TestClient[Any, Any]) -> None:
    page = await (await client.get("/login")).text()
    signed = await client.post(
        "/login", data={"login": "maria\x00@example.ru", "password": "x", "_csrf": csrf_of(page)}
    )
    assert signed.status == 422
    assert "недопустимый символ" in await signed.text()

    page = await (await client.get("/register")).text()
    form = {**CITIZEN, "surname": "Ива\x00нова", "_csrf": csrf_of(page), "human_check": solve(page)}
    assert (await client.post("/register", data=form)).status == 422


async def test_a_nul_in_a_query_is_refused_not_a_500(client: TestClient[Any, Any]) -> None:
    response = await client.get("/login?next=/appeals%00")
    assert response.status == 422
    api = await client.get("/api/v1/session?x=%00")
    assert api.status == 422
    assert (await api.json())["error"]["code"]
