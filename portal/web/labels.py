"""Russian labels of codes shown in pages (translated like any other text by `_()`)."""

from __future__ import annotations

from portal.domain.roles import Role

ROLE_LABELS: dict[str, str] = {
    Role.CITIZEN: "Гражданин",
    Role.DEPARTMENT: "Ответственное ведомство",
    Role.ORGANIZER: "Организатор приемов",
    Role.MODERATOR: "Модератор",
    Role.HOST: "Ведущий приема",
    Role.CONTROL: "Контроль исполнения",
    Role.ADMIN: "Администратор",
}


def role_label(code: str) -> str:
    return ROLE_LABELS.get(code, code)
