"""Hypothesis strategies for the input sweep: odd but possible values a client can put in
a path, a query string, a form or a JSON body."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

BIG_INTEGERS = [
    0,
    -1,
    2**31 - 1,
    2**31,
    2**32,
    2**63 - 1,
    2**63,
    2**64,
    99999999999999999999,
    10**40,
    -(2**63) - 1,
]
ODD_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x01\x1f\x7f",
    "9999-12-31",
    "10000-01-01",
    "0001-01-01",
    "0000-00-00",
    "2024-02-30",
    "9999-12-31T23:59:59",
    "1e309",
    "nan",
    "inf",
    "-0",
    "0x10",
    "１２３",
    "true",
    "null",
    "[]",
    "{}",
    "../../etc/passwd",
    "%00",
    "%ff",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "\ud7ff\ue000\uffff",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "Иванов Иван",
    "a" * 300,
    "я" * 200,
]
QUERY_KEYS = [
    "page",
    "size",
    "per_page",
    "status",
    "topic",
    "municipality",
    "department",
    "date_from",
    "date_to",
    "from",
    "to",
    "q",
    "sort",
    "order",
    "category",
    "invited",
    "next",
    "consent",
    "state",
    "code",
    "token",
    "id",
    "_csrf",
]
FORM_KEYS = [
    "login",
    "password",
    "password_again",
    "current_password",
    "email",
    "phone",
    "surname",
    "name",
    "patronymic",
    "snils",
    "address",
    "title",
    "text",
    "topic_id",
    "municipality_id",
    "department_id",
    "template",
    "template_id",
    "item_id",
    "deadline",
    "days",
    "date",
    "until",
    "comment",
    "answer",
    "role",
    "roles",
    "active",
    "consent",
    "human_check",
    "action",
    "font",
    "scheme",
    "spacing",
    "code",
    "token",
    "next",
    "notify_email",
    "notify_sms",
]


def scalars() -> st.SearchStrategy[str]:
    """A value for a query parameter or a form field."""
    return st.one_of(
        st.sampled_from([str(n) for n in BIG_INTEGERS]),
        st.sampled_from(ODD_STRINGS),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.text(max_size=40),
        st.dates().map(str),
    )


def path_values(integer: bool) -> st.SearchStrategy[str]:
    """A path segment: ids beyond any column's range for `\\d+` parameters, else text."""
    if integer:
        return st.one_of(
            st.integers(min_value=0, max_value=5).map(str),
            st.sampled_from([str(n) for n in BIG_INTEGERS if n >= 0]),
            st.integers(min_value=0, max_value=10**60).map(str),
            st.just("0" * 40 + "1"),
        )
    return st.one_of(
        st.sampled_from(["x", "ru", "en", "topics", "municipalities", "departments", "..", "%00"]),
        st.text(min_size=1, max_size=30),
    ).map(lambda s: quote(s, safe=""))


def queries(keys: list[str]) -> st.SearchStrategy[list[tuple[str, str]]]:
    return st.lists(st.tuples(st.sampled_from(keys or QUERY_KEYS), scalars()), max_size=4)


def forms() -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(FORM_KEYS), scalars(), max_size=6)


def json_values(depth: int = 2) -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(BIG_INTEGERS),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(ODD_STRINGS),
        st.text(max_size=30),
    )
    if depth == 0:
        return leaves
    return st.one_of(
        leaves,
        st.lists(json_values(depth - 1), max_size=3),
        st.dictionaries(st.text(max_size=8), json_values(depth - 1), max_size=3),
    )


def json_objects(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """An object with the model's own field names (so validation passes further) and odd
    values, sometimes with stray keys."""
    keys = st.sampled_from(fields) if fields else st.text(max_size=8)
    return st.dictionaries(keys, json_values(), max_size=max(len(fields), 3))


@dataclass(frozen=True)
class Body:
    """A request body as sent: raw bytes and a content type (None: no header)."""

    data: bytes
    content_type: str | None


def _deep(levels: int) -> bytes:
    return ("[" * levels + "]" * levels).encode()


RAW_BODIES = [
    Body(b"", "application/json"),
    Body(b"{", "application/json"),
    Body(b"null", "application/json"),
    Body(b"[]", "application/json"),
    Body(b'"text"', "application/json"),
    Body(b"1" * 5000, "application/json"),
    Body(b'{"a": 1e999}', "application/json"),
    Body(b'{"a": NaN}', "application/json"),
    Body(_deep(100_000), "application/json"),
    Body(b'{"a":' * 5000 + b"1" + b"}" * 5000, "application/json"),
    Body(b'{"login": "\xff\xfe"}', "application/json"),
    Body('{"login": "й"}'.encode("cp1251"), "application/json; charset=utf-8"),
    Body(b'{"login": "x"}', "application/json; charset=x-unknown"),
    Body(b'{"login": "x"}', "text/plain"),
    Body(b'{"login": "x"}', "application/x-www-form-urlencoded"),
    Body(b"login=x&password=y", "application/x-www-form-urlencoded"),
    Body(
        b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n--b--\r\n',
        "multipart/form-data; boundary=b",
    ),
    Body(b"garbage", "multipart/form-data"),
    Body(b"\x00\x01\x02", None),
]


def json_bodies(fields: list[str]) -> st.SearchStrategy[Body]:
    return st.one_of(
        json_objects(fields).map(lambda obj: Body(json.dumps(obj).encode(), "application/json")),
        st.sampled_from(RAW_BODIES),
    )


def multipart(fields: dict[str, str], filename: str) -> Body:
    """A multipart form with one file whose name may carry NUL or path separators."""
    boundary = "sweepboundary"
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"'
        "\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    )
    parts.append(f"--{boundary}--\r\n")
    return Body(
        "".join(parts).encode("utf-8", "surrogatepass"), f"multipart/form-data; boundary={boundary}"
    )


FILE_NAMES = [
    "a\x00.txt",
    "../../x.txt",
    "..\\x.txt",
    "",
    "x" * 300 + ".txt",
    "ф.txt",
    "a\r\nb.txt",
]


def page_bodies() -> st.SearchStrategy[Body]:
    return st.one_of(
        forms().map(
            lambda f: Body(
                "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in f.items()).encode(
                    "utf-8", "surrogatepass"
                ),
                "application/x-www-form-urlencoded",
            )
        ),
        st.builds(multipart, forms(), st.sampled_from(FILE_NAMES)),
        st.sampled_from(RAW_BODIES),
    )
