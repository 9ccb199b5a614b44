"""Every named error below the namespace has a wire code, so none can reach a client as
`internal`."""

from __future__ import annotations

from sfu import SfuError
from signaling.protocol.errors import ErrorCode
from signaling.protocol.receptions import StateError


def _codes(cls: type[SfuError]) -> dict[str, str]:
    codes = {cls.__name__: cls.code}
    for sub in cls.__subclasses__():
        codes.update(_codes(sub))
    return codes


def test_sfu_and_directory_codes_are_wire_codes() -> None:
    wire = {code.value for code in ErrorCode}
    named = {**_codes(SfuError), "StateError": StateError.code}
    assert {name: code for name, code in named.items() if code not in wire} == {}
    assert "InvalidDescription" in named
    assert StateError.code == ErrorCode.INVALID_STATE
