"""The local redirect rule against a hostile corpus: every way a browser could be talked
into leaving the site, and the ordinary targets the portal itself produces."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.http.redirects import local_referer, local_target

HOSTILE = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/%5Cevil.example",
    "/%5cevil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%252F/evil.example",
    "/%25252F%25252Fevil.example",
    "/\t/evil.example",
    "/%09/evil.example",
    "/\n/evil.example",
    "/%0A/evil.example",
    "/\r\n/evil.example",
    "/%0d%0aSet-Cookie:x=1",
    "/ap\tpeals",
    "/\x00/evil.example",
    "/%00",
    "/.//evil.example",
    "/./evil",
    "/a/../..//evil.example",
    "/..",
    "/a//b",
    "/\uff0fevil.example",
    "/\u2215evil.example",
    "/\u2044evil.example",
    "/%EF%BC%8Fevil.example",
    "/\u3002evil",
    "/\u200b/evil.example",
    "/\u2028evil",
    "/\u00a0/evil",
    "/\ufeff/evil",
    "https:evil.example",
    "https://evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    " /appeals",
    "",
    "/%ff%fe",
    "/" + "a" * 5000,
]

LOCAL = [
    "/",
    "/appeals",
    "/appeals/12",
    "/appeals/",
    "/staff/journal?status=new&page=2",
    "/staff/journal?q=%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2",
    "/staff/journal?q=Иванов",
    "/profile#password",
    "/accessibility?next=%2Fappeals",
    "/login?next=/appeals/3",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_targets_fall_back(value: str) -> None:
    assert local_target(value, "/fallback") == "/fallback"


@pytest.mark.parametrize("value", LOCAL)
def test_local_targets_pass_unchanged(value: str) -> None:
    assert local_target(value, "/fallback") == value


def test_not_a_string_falls_back() -> None:
    assert local_target(None, "") == ""
    assert local_target(["/appeals"], "/") == "/"


@given(st.text(max_size=60))
@settings(max_examples=400, derandomize=True)
def test_whatever_passes_stays_on_this_site(value: str) -> None:
    """Whatever the rule lets through resolves, in a browser's manner, to this host."""
    from urllib.parse import unquote, urljoin, urlsplit

    target = local_target(value, "/")
    assert target.startswith("/")
    cleaned = "".join(c for c in target if c not in "\t\n\r").replace("\\", "/")
    for candidate in (cleaned, unquote(cleaned), unquote(unquote(cleaned))):
        resolved = urlsplit(urljoin("https://portal.example/base/", candidate))
        assert resolved.netloc == "portal.example"
        assert not resolved.path.startswith("//")


@pytest.mark.parametrize(
    ("referer", "expected"),
    [
        ("http://portal.example:8080/appeals?page=2", "/appeals?page=2"),
        ("https://PORTAL.example:8080/profile", "/profile"),
        ("http://portal.example:8080", "/"),
        ("http://evil.example/appeals", "/"),
        ("http://portal.example:8080.evil.example/appeals", "/"),
        ("http://portal.example:8080@evil.example/", "/"),
        ("http://portal.example:8080//evil.example", "/"),
        ("http://portal.example:8080/%5Cevil", "/"),
        ("javascript://portal.example:8080/%0aalert(1)", "/"),
        ("/appeals", "/appeals"),
        ("//evil.example", "/"),
        ("http://[::1", "/"),
        ("\x00", "/"),
        (None, "/"),
        ("", "/"),
    ],
)
def test_a_referer_is_reduced_to_a_local_path(referer: str | None, expected: str) -> None:
    assert local_referer(referer, "portal.example:8080") == expected
