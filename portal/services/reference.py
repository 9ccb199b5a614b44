"""Reference data the administrator keeps: departments, topics, municipalities, answer
templates. Entries in use are deactivated rather than deleted, so old appeals keep them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.adapters.appeals_orm import AnswerTemplate, Department, Municipality, Topic
from portal.adapters.db import Database
from portal.errors import Conflict, InvalidInput, NotFound

MAX_NAME = 300
MAX_TEMPLATE = 20000

Named = Department | Topic | Municipality
NamedModel = type[Department] | type[Topic] | type[Municipality]


class Kind(enum.StrEnum):
    DEPARTMENTS = "departments"
    TOPICS = "topics"
    MUNICIPALITIES = "municipalities"


MODELS: dict[Kind, NamedModel] = {
    Kind.DEPARTMENTS: Department,
    Kind.TOPICS: Topic,
    Kind.MUNICIPALITIES: Municipality,
}

TITLES: dict[Kind, str] = {
    Kind.DEPARTMENTS: "Ведомства",
    Kind.TOPICS: "Темы",
    Kind.MUNICIPALITIES: "Муниципальные образования",
}


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    name: str
    is_active: bool


def _name(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise InvalidInput("Введите название.", en="The name is required.")
    if len(value) > MAX_NAME:
        raise InvalidInput(
            f"Название длиннее {MAX_NAME} символов.",
            en=f"The name is longer than {MAX_NAME} characters.",
        )
    return value


async def entries(db: Database, kind: Kind, *, active_only: bool = False) -> list[Entry]:
    model = MODELS[kind]
    query = select(model.id, model.name, model.is_active).order_by(model.name)
    if active_only:
        query = query.where(model.is_active.is_(True))
    async with db.session() as session:
        return [Entry(*row) for row in await session.execute(query)]


async def save_entry(
    db: Database, kind: Kind, name: str, *, entry_id: int | None = None, active: bool = True
) -> Entry:
    """Create (no `entry_id`) or rename and (de)activate an entry."""
    model = MODELS[kind]
    name = _name(name)
    try:
        async with db.session() as session, session.begin():
            if entry_id is None:
                item: Department | Topic | Municipality = model(name=name, is_active=active)
                session.add(item)
            else:
                found = cast(Named | None, await session.get(model, entry_id))
                if found is None:
                    raise NotFound("Запись не найдена.", en="Entry not found.")
                item = found
                item.name, item.is_active = name, active
            await session.flush()
            return Entry(item.id, item.name, item.is_active)
    except IntegrityError as error:
        raise Conflict(f"«{name}» уже есть в списке.", en=f"{name!r} is already listed.") from error


@dataclass(frozen=True, slots=True)
class TemplateEntry:
    id: int
    title: str
    body: str
    is_active: bool


async def templates(db: Database, *, active_only: bool = False) -> list[TemplateEntry]:
    query = select(AnswerTemplate).order_by(AnswerTemplate.title)
    if active_only:
        query = query.where(AnswerTemplate.is_active.is_(True))
    async with db.session() as session:
        return [
            TemplateEntry(t.id, t.title, t.body, t.is_active)
            for t in (await session.execute(query)).scalars()
        ]


async def save_template(
    db: Database, title: str, body: str, *, template_id: int | None = None, active: bool = True
) -> TemplateEntry:
    title = _name(title)
    body = body.strip()
    if not body:
        raise InvalidInput("Введите текст шаблона.", en="The template text is required.")
    if len(body) > MAX_TEMPLATE:
        raise InvalidInput("Текст шаблона слишком длинный.", en="The template is too long.")
    try:
        async with db.session() as session, session.begin():
            if template_id is None:
                item = AnswerTemplate(title=title, body=body, is_active=active)
                session.add(item)
            else:
                found = await session.get(AnswerTemplate, template_id)
                if found is None:
                    raise NotFound("Шаблон не найден.", en="Template not found.")
                item = found
                item.title, item.body, item.is_active = title, body, active
            await session.flush()
            return TemplateEntry(item.id, item.title, item.body, item.is_active)
    except IntegrityError as error:
        raise Conflict(
            f"Шаблон «{title}» уже есть.", en=f"Template {title!r} already exists."
        ) from error
