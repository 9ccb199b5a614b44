"""Russian by default, English on request; the choice is kept in a cookie."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

LANGUAGES = ("ru", "en")
COOKIE = "lang"

# Keys are the Russian interface strings (the seeds' wording); values are English.
EN: dict[str, str] = {
    "Интерактивная приемная": "Interactive Reception",
    "Интерактивная приемная Губернатора": "The Governor's Interactive Reception",
    "Подайте заявку, дождитесь приглашения и примите участие в видеоприеме из браузера "
    "или планшета — без установки программ.": (
        "File an appeal, wait for an invitation and take part in the video reception from a "
        "browser or a tablet — nothing to install."
    ),
    "Как это работает": "How it works",
    "Подача заявки": "Filing an appeal",
    "Опишите вопрос, приложите документы и фотографии. Ответ — в течение 30 дней.": (
        "Describe your question and attach documents and photos. The answer comes within 30 days."
    ),
    "Приглашение на прием": "Invitation to a reception",
    "Если вопрос рекомендован к приему, вы получите приглашение и подтвердите участие.": (
        "If your question is recommended for a reception, you get an invitation and confirm it."
    ),
    "Видеоприем": "Video reception",
    "В назначенное время присоединитесь к приему: модератор предоставит вам слово.": (
        "At the appointed time join the reception: the moderator will give you the floor."
    ),
    "Язык": "Language",
    "Главная": "Home",
}


def language_of(request: web.Request) -> str:
    lang = request.cookies.get(COOKIE, "ru")
    return lang if lang in LANGUAGES else "ru"


def translator(lang: str) -> Callable[[str], str]:
    if lang == "en":
        return lambda text: EN.get(text, text)
    return lambda text: text


async def context_processor(request: web.Request) -> dict[str, Any]:
    lang = language_of(request)
    return {"_": translator(lang), "lang": lang}


async def switch_language(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    if code not in LANGUAGES:
        raise web.HTTPNotFound(text="unknown language")
    back = request.headers.get("Referer", "/")
    if not back.startswith(("/", str(request.url.origin()))):
        back = "/"
    response = web.HTTPSeeOther(back)
    response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    raise response
