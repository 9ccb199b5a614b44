"""Checks that a portal error speaks both languages properly, and a recorder that applies
them to every error the tests' flows create (used by the portal test folders' conftests)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from portal.errors import FormErrors, PortalError
from portal.text import Text

_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_LATIN = re.compile(r"[A-Za-z]")
_QUOTED = re.compile(r"«[^»]*»|'[^']*'|\"[^\"]*\"")
"""Values a message quotes (a name, a title) may be in either script."""


def wording_problems(text: Text) -> list[str]:
    """What is wrong with one message's two wordings; empty when both are proper."""
    problems = []
    english = _QUOTED.sub("", text.en)
    if not _CYRILLIC.search(text.ru):
        problems.append(f"the Russian wording is not Russian: {text.ru!r}")
    if not _LATIN.search(english) or _CYRILLIC.search(english):
        problems.append(f"the English wording is not English: {text.en!r}")
    if text.en.strip() and text.en.strip() in text.ru:
        problems.append(f"the Russian wording carries the English one: {text.ru!r}")
    return problems


def error_problems(error: PortalError) -> list[str]:
    """Problems of the error's message and, for a form, of every field's messages."""
    texts = [error.text]
    if isinstance(error, FormErrors):
        texts += [m for messages in error.fields.values() for m in messages]
    return [f"{type(error).__name__}: {p}" for t in texts for p in wording_problems(t)]


@contextmanager
def recording_portal_errors(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[PortalError]]:
    """Every PortalError created inside the block, in order; on leaving, fails the test if
    any of them lacks a proper wording in either language."""
    created: list[PortalError] = []
    original = PortalError.__init__

    def record(self: PortalError, message: str, *, en: str) -> None:
        original(self, message, en=en)
        created.append(self)

    monkeypatch.setattr(PortalError, "__init__", record)
    yield created
    problems = [p for error in created for p in error_problems(error)]
    assert not problems, problems
