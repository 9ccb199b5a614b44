"""The bilingual check the portal tests apply to every error, and the wording pickers."""

from __future__ import annotations

import pytest

from portal.errors import Conflict, FormErrors, InvalidInput, PortalError
from portal.http.i18n import translator
from portal.text import Text
from tests.unit.portal.bilingual import error_problems, wording_problems


@pytest.mark.parametrize(
    "text",
    [
        Text("Заявка не найдена.", "Appeal not found."),
        Text("«Дороги» уже есть в списке.", "'Дороги' is already listed."),
        Text("Неверные данные запроса: login: Field required", "Invalid request: login: ..."),
    ],
)
def test_proper_wordings_pass(text: Text) -> None:
    assert wording_problems(text) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # The old style: both languages in one string.
        (
            Text("Заявка закрыта. The appeal is closed.", "The appeal is closed."),
            "carries the English",
        ),
        (Text("login must not be empty", "The login must not be empty."), "not Russian"),
        (Text("Заявка закрыта.", "Заявка закрыта."), "not English"),
        (Text("Заявка закрыта.", ""), "not English"),
        (Text("Заявка закрыта.", "Заявка closed."), "not English"),
    ],
)
def test_improper_wordings_are_named(text: Text, problem: str) -> None:
    assert any(problem in found for found in wording_problems(text))


def test_a_form_is_checked_field_by_field(portal_errors: list[PortalError]) -> None:
    form = FormErrors(
        {"email": [Text("Укажите адрес.", "Enter an address.")], "login": [Text("Логин.", "")]}
    )
    assert error_problems(form) == ["FormErrors: the English wording is not English: ''"]
    assert portal_errors == [form], "the recorder saw it"
    portal_errors.clear()  # made broken on purpose


def test_an_error_carries_both_wordings_and_logs_in_english() -> None:
    error = Conflict("Заявка уже закрыта.", en="The appeal is closed.")
    assert error.text == Text("Заявка уже закрыта.", "The appeal is closed.")
    assert str(error) == error.message == "The appeal is closed."
    assert error.text.in_language("en") == "The appeal is closed."
    assert error.text.in_language("ru") == error.text.in_language("de") == "Заявка уже закрыта."


def test_a_forms_summary_and_fields_in_each_language() -> None:
    form = FormErrors(
        {
            "email": [Text("Укажите адрес.", "Enter an address.")],
            "password": [Text("Короткий.", "Too short."), Text("Без цифр.", "No digits.")],
        }
    )
    assert isinstance(form, InvalidInput)
    assert form.text == Text(
        "Укажите адрес. Короткий. Без цифр.", "Enter an address. Too short. No digits."
    )
    assert form.fields_in("en") == {
        "email": ["Enter an address."],
        "password": ["Too short.", "No digits."],
    }
    assert form.fields_in("ru")["password"] == ["Короткий.", "Без цифр."]


def test_templates_translate_catalog_strings_and_pick_from_texts() -> None:
    english, russian = translator("en"), translator("ru")
    text = Text("Заявка уже закрыта.", "The appeal is closed.")
    assert english(text) == "The appeal is closed."
    assert russian(text) == "Заявка уже закрыта."
    assert english("Профиль") == "Profile"
    assert russian("Профиль") == "Профиль"
