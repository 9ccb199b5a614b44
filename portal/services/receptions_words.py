"""The moderation log of a reception in Russian words: the moderator's commands (from the
conference) and the reception's moves (from the portal), as the reception's page shows them."""

from __future__ import annotations

from typing import Any

_ACTIONS: dict[str, str] = {
    "reception_planned": "Прием запланирован",
    "reception_edited": "Прием изменен",
    "reception_started": "Прием начат («Начать прием»)",
    "reception_live": "Модератор присоединился: прием идет",
    "reception_ended": "Прием закончен",
    "reception_cancelled": "Прием удален",
    "disconnect": "Отключил участника",
    "remove": "Удалил из конференции",
    "set_mic_level": "Установил уровень громкости микрофона участника",
    "limit_bandwidth": "Ограничил скорость интернет-соединения участника",
    "set_layout": "Изменил раскладку экрана",
    "preview": "Вывел участника на предварительный просмотр",
    "end_conference": "Завершил прием для всех",
}
_MEDIA = {"audio": ("Отключил звук", "Включил звук"), "video": ("Отключил видео", "Включил видео")}
_LAYOUTS = {
    "tribune_auto": "«Трибуна (автовыбор)»",
    "single_speaker": "«Один говорящий»",
    "tribune_click": "«Трибуна (выбор по клику)»",
    "grid": "«Таблица»",
}


def action_words(action: str, detail: dict[str, Any]) -> str:
    """The moderator's command (or the reception's move) in Russian words."""
    if action == "set_floor":
        return "Включил видео и звук" if detail.get("on_air") else "Выключил видео и звук"
    if action == "hold":
        return "Временно отключил" if detail.get("held", True) else "Вернул в прием"
    if action == "mute":
        off, on = _MEDIA.get(str(detail.get("kind")), ("Отключил звук и видео", "Включил"))
        return off if detail.get("muted", True) else on
    return _ACTIONS.get(action, action)


def detail_words(action: str, detail: dict[str, Any]) -> str:
    """What else the entry says, in words: the level, the speed, the layout."""
    if action == "set_mic_level" and "gain_db" in detail:
        return f"{detail['gain_db']} дБ"
    if action == "limit_bandwidth" and "kbps" in detail:
        return f"{detail['kbps']} кбит/с"
    if action == "set_layout" and "layout" in detail:
        return f"раскладка: {_LAYOUTS.get(str(detail['layout']), detail['layout'])}"
    if action.startswith("reception_") or action in ("set_floor", "hold", "mute"):
        return ""
    return ", ".join(f"{k}: {v}" for k, v in sorted(detail.items()) if k != "label")
