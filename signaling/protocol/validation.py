"""Turns untrusted event data into typed, frozen dataclasses, or says exactly what is wrong.

A hand-written checker rather than a schema library: payloads are small and flat, and the
portal may import the protocol without pulling in anything heavy.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import types
import typing
from typing import Any, TypeVar

from signaling.protocol.errors import ErrorCode, SignalingError

T = TypeVar("T")

DEFAULT_MAX_LENGTH = 256


def limit(
    *, max_length: int | None = None, minimum: float | None = None, maximum: float | None = None
) -> dict[str, Any]:
    """Field metadata: `field(metadata=limit(max_length=...))`."""
    return {"max_length": max_length, "minimum": minimum, "maximum": maximum}


def parse(cls: type[T], data: Any) -> T:
    """Build `cls` from a JSON object; unknown keys, wrong types and oversize values fail."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _invalid("the payload must be an object")
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(str(key)[:40] for key in data if key not in fields)
    if unknown:
        raise _invalid(f"unknown field(s): {', '.join(unknown)}")
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for name, field in fields.items():
        if name not in data:
            has_default = (
                field.default is not dataclasses.MISSING
                or field.default_factory is not dataclasses.MISSING
            )
            if not has_default:
                raise _invalid(f"{name}: required")
            continue
        values[name] = _convert(name, hints[name], data[name], field.metadata)
    return cls(**values)


def _convert(name: str, hint: Any, value: Any, meta: typing.Mapping[str, Any]) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        # Payload fields are at most `X | None`.
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return None if value is None else _convert(name, options[0], value, meta)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        allowed = [member.value for member in hint]
        if value not in allowed:
            raise _invalid(f"{name}: must be one of {', '.join(map(str, allowed))}")
        return hint(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise _invalid(f"{name}: must be true or false")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise _invalid(f"{name}: must be a string")
        max_length = meta.get("max_length") or DEFAULT_MAX_LENGTH
        if len(value) > max_length:
            raise _invalid(f"{name}: longer than {max_length} characters")
        return value
    if hint in (int, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _invalid(f"{name}: must be a number")
        if hint is int and not (isinstance(value, int) or float(value).is_integer()):
            raise _invalid(f"{name}: must be a whole number")
        if not math.isfinite(value):
            raise _invalid(f"{name}: must be finite")
        number = int(value) if hint is int else float(value)
        low, high = meta.get("minimum"), meta.get("maximum")
        if (low is not None and number < low) or (high is not None and number > high):
            raise _invalid(f"{name}: must be between {low} and {high}")
        return number
    raise TypeError(f"unsupported payload field type {hint!r}")  # a programming error


def _invalid(message: str) -> SignalingError:
    return SignalingError(ErrorCode.INVALID_PAYLOAD, message)


def check_sdp(sdp: str, *, max_bytes: int, max_media_sections: int) -> None:
    """Refuse a session description above a node's limits before the media stack parses it:
    its size (`sdp_too_large`) and its m-lines (`too_many_media_sections`), counted as
    the parser splits lines."""
    size = len(sdp.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise SignalingError(
            ErrorCode.SDP_TOO_LARGE,
            f"the session description has {size} bytes, at most {max_bytes} are accepted",
            max_bytes=max_bytes,
        )
    sections = sum(1 for line in sdp.splitlines() if line.startswith("m="))
    if sections > max_media_sections:
        raise SignalingError(
            ErrorCode.TOO_MANY_MEDIA_SECTIONS,
            f"the session description has {sections} media sections, "
            f"at most {max_media_sections} are accepted",
            max_media_sections=max_media_sections,
        )
