"""The one rule for redirect targets taken from a request (`next`, a Referer): a path on
this site, never another site.

Browsers forgive a lot in a Location header: a backslash, a tab or a newline inside, an
encoded slash or a full-width solidus can turn `/x` into `//evil.example`, which is another
host. So the rule is an allow-list rather than a list of known tricks: a path that starts
with one "/" and a character that is neither a slash nor a backslash, with no control
character, backslash, empty or dot segment anywhere, before or after percent-decoding.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

MAX_LENGTH = 2048
_DECODE_ROUNDS = 3


def _unsafe_char(ch: str) -> bool:
    if ch == "\\" or ord(ch) < 0x20 or ord(ch) == 0x7F:
        return True
    if ch.isascii():
        return False
    if unicodedata.category(ch)[0] not in "LNM":
        return True
    # Beyond ASCII only letters, digits and marks (Cyrillic in a search query), and none a
    # browser or a proxy might fold into ASCII punctuation.
    folded = unicodedata.normalize("NFKC", ch)
    return any(c.isascii() and not c.isalnum() for c in folded)


def _safe_path(path: str) -> bool:
    if len(path) < 2 or path[0] != "/" or path[1] in "/\\":
        return False
    if any(_unsafe_char(ch) for ch in path):
        return False
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return False
    *inner, last = parts.path.split("/")[1:]
    return all(s not in ("", ".", "..") for s in inner) and last not in (".", "..")


def local_target(value: object, fallback: str) -> str:
    """`value` when it is a local path by the rule above, otherwise `fallback` (returned as
    given: callers pass a constant)."""
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return fallback
    if value == "/":
        return value
    current = value
    for _ in range(_DECODE_ROUNDS):
        if not _safe_path(current):
            return fallback
        try:
            decoded = unquote(current, errors="strict") if "%" in current else current
        except UnicodeDecodeError:
            return fallback
        if decoded == current:
            return value
        current = decoded
    return fallback


def local_referer(referer: str | None, host: str, fallback: str = "/") -> str:
    """Where to send a browser back to: a Referer of this site (`host` as the request named
    it) reduced to its path and query, anything else the fallback."""
    if not referer:
        return fallback
    if referer.startswith("/"):
        return local_target(referer, fallback)
    try:
        parts = urlsplit(referer)
    except ValueError:
        return fallback
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != host.lower():
        return fallback
    path = parts.path or "/"
    return local_target(f"{path}?{parts.query}" if parts.query else path, fallback)
