"""Every portal error created in these tests must speak Russian and English properly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal.errors import PortalError
from tests.unit.portal.bilingual import recording_portal_errors


@pytest.fixture(autouse=True)
def portal_errors(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[PortalError]]:
    with recording_portal_errors(monkeypatch) as created:
        yield created
