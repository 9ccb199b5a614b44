"""Development-only page: opens a demo reception and hands out join links for every role,
so a person can try the conference by hand in several browser tabs.

Mounted only when `server.development` is true. Plain GET links (no form, no session):
the page must work before any portal sign-in exists, and it only ever creates demo data.
"""

from __future__ import annotations

import html
import secrets
from urllib.parse import quote

from aiohttp import web

from signaling.directory import ReceptionDirectory
from signaling.protocol.receptions import Reception, ReceptionState
from signaling.protocol.roles import Role
from signaling.protocol.tokens import mint_join_token

DEMO_TOKEN_TTL_S = 3600
DEMO_PEOPLE: list[tuple[str, str, Role]] = [
    ("moderator", "Модератор", Role.MODERATOR),
    ("host", "Губернатор", Role.HOST),
    ("citizen-1", "Иванов Иван Иванович", Role.CITIZEN),
    ("citizen-2", "Петрова Анна Сергеевна", Role.CITIZEN),
    ("citizen-3", "Сидоров Пётр Николаевич", Role.CITIZEN),
    ("observer", "Наблюдатель", Role.OBSERVER),
]


class DemoReceptions:
    def __init__(self, directory: ReceptionDirectory, token_key: str) -> None:
        self._directory = directory
        self._token_key = token_key
        self._current: str | None = None

    async def current(self, fresh: bool) -> Reception:
        """The open demo reception; a new one when asked or when the last one ended."""
        existing = await self._directory.get(self._current) if self._current else None
        if existing is None or fresh or existing.state is ReceptionState.ENDED:
            existing = Reception(
                reception_id=f"demo-{secrets.token_hex(3)}",
                title="Демонстрационный прием",
                state=ReceptionState.STARTED,
                host_user_id="host",
                moderator_user_id="moderator",
            )
            await self._directory.put(existing)
            self._current = existing.reception_id
        return existing

    def links(self, reception: Reception) -> list[dict[str, str]]:
        return [
            {
                "user_id": user_id,
                "name": name,
                "role": role.value,
                "url": "/conference#token="
                + quote(
                    mint_join_token(
                        self._token_key,
                        reception.reception_id,
                        user_id,
                        name,
                        role,
                        DEMO_TOKEN_TTL_S,
                    )
                ),
            }
            for user_id, name, role in DEMO_PEOPLE
        ]

    async def api(self, request: web.Request) -> web.Response:
        reception = await self.current(fresh=request.query.get("new") == "1")
        return web.json_response(
            {
                "reception_id": reception.reception_id,
                "state": reception.state.value,
                "links": self.links(reception),
            }
        )

    async def page(self, request: web.Request) -> web.Response:
        reception = await self.current(fresh=request.query.get("new") == "1")
        rows = "\n".join(
            f'<li><a href="{html.escape(link["url"])}" target="_blank" rel="noopener">'
            f"{html.escape(link['name'])}</a> <small>({link['role']})</small></li>"
            for link in self.links(reception)
        )
        body = _PAGE.format(
            reception=html.escape(reception.reception_id),
            state=html.escape(reception.state.value),
            rows=rows,
        )
        return web.Response(text=body, content_type="text/html", charset="utf-8")


def mount(app: web.Application, directory: ReceptionDirectory, token_key: str) -> None:
    demo = DemoReceptions(directory, token_key)
    app.router.add_get("/dev/conference", demo.page, name="dev_conference")
    app.router.add_get("/dev/conference/links.json", demo.api, name="dev_conference_links")


_PAGE = """<!doctype html>
<html lang="ru">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Демонстрационный прием</title><link rel="stylesheet" href="/static/css/conference.css">
</head>
<body class="dev-page">
<main>
<h1>Демонстрационный прием <small>(режим разработки)</small></h1>
<p>Прием <code>{reception}</code>, состояние <b>{state}</b>. Откройте ссылки в разных вкладках:
сначала модератор, затем Губернатор и граждане.</p>
<ul>
{rows}
</ul>
<p><a href="/dev/conference?new=1">Открыть новый демонстрационный прием</a></p>
</main>
</body>
</html>
"""
