"""Join rules of SPEC §4 over real socket.io connections: every refusal code."""

from __future__ import annotations

import pytest

from signaling.protocol import Role
from signaling.protocol.receptions import ReceptionState
from tests.integration.signaling.conftest import ClientFactory, Node, expired_token

pytestmark = pytest.mark.timeout(30)


def code(ack: dict) -> str:
    assert ack["ok"] is False, ack
    return str(ack["error"]["code"])


async def test_invalid_and_expired_tokens(node: Node, make_client: ClientFactory) -> None:
    await node.open(state=ReceptionState.LIVE)
    client = await make_client(node)
    assert code(await client.join("v1.garbage.sig")) == "invalid_token"
    assert code(await client.join(expired_token(node, "c1"))) == "token_expired"


async def test_reception_not_live(node: Node, make_client: ClientFactory) -> None:
    client = await make_client(node)
    assert code(await client.join(node.token("mod", Role.MODERATOR))) == "reception_not_live"
    await node.open(state=ReceptionState.PLANNED)
    assert code(await client.join(node.token("mod", Role.MODERATOR))) == "reception_not_live"


async def test_citizen_waits_for_the_moderator_and_is_told_when_live(
    node: Node, make_client: ClientFactory
) -> None:
    await node.open()
    citizen, host, moderator = [await make_client(node) for _ in range(3)]
    assert code(await citizen.join(node.token("c1"))) == "moderator_absent"
    assert (await host.join(node.token("host", Role.HOST)))["ok"]
    assert code(await citizen.join(node.token("c1"))) == "moderator_absent"

    joined = await moderator.join(node.token("mod", Role.MODERATOR))
    assert joined["ok"]
    assert (await node.directory.get("r1")).state is ReceptionState.LIVE  # type: ignore[union-attr]
    state = await citizen.wait_for("reception_state")
    assert state == {"reception_id": "r1", "state": "live"}

    ack = await citizen.join(node.token("c1"))
    assert ack["ok"]
    snapshot = ack["snapshot"]
    assert snapshot["you"] == "c1"
    assert snapshot["role"] == "citizen"
    assert {p["id"]: p["on_air"] for p in snapshot["participants"]} == {
        "host": True,
        "mod": False,
        "c1": False,
    }
    assert ack["session_token"].startswith("v1.")
    joined_record = await host.wait_for("participant", lambda p: p["id"] == "c1")
    assert joined_record["presence"] == "connected"


async def test_only_the_receptions_own_staff_take_staff_roles(
    node: Node, make_client: ClientFactory
) -> None:
    await node.open()
    client = await make_client(node)
    assert code(await client.join(node.token("someone", Role.MODERATOR))) == "forbidden"
    assert code(await client.join(node.token("someone", Role.HOST))) == "forbidden"


async def test_full(node: Node, make_client: ClientFactory) -> None:
    await node.open(state=ReceptionState.LIVE, max_citizens=1)
    moderator, first, second, observer = [await make_client(node) for _ in range(4)]
    assert (await moderator.join(node.token("mod", Role.MODERATOR)))["ok"]
    assert (await first.join(node.token("c1")))["ok"]
    assert code(await second.join(node.token("c2"))) == "full"
    assert (await observer.join(node.token("o1", Role.OBSERVER)))["ok"]


async def test_banned_even_with_a_fresh_token(node: Node, make_client: ClientFactory) -> None:
    await node.open()
    moderator, citizen = await make_client(node), await make_client(node)
    await moderator.join(node.token("mod", Role.MODERATOR))
    await citizen.join(node.token("c1"))
    ack = await moderator.call("remove_participant", {"participant_id": "c1"})
    assert ack == {"ok": True}
    assert await citizen.wait_for("closed") == {"reason": "banned"}
    left = await moderator.wait_for("participant_left")
    assert left == {"id": "c1", "reason": "banned"}
    again = await make_client(node)
    assert code(await again.join(node.token("c1"))) == "banned"


async def test_second_tab_replaces_the_first_and_keeps_state(
    node: Node, make_client: ClientFactory
) -> None:
    await node.open()
    moderator, tab1, tab2 = (
        await make_client(node),
        await make_client(node),
        await make_client(node),
    )
    await moderator.join(node.token("mod", Role.MODERATOR))
    await tab1.join(node.token("c1"))
    await moderator.call("set_floor", {"participant_id": "c1", "on_air": True})
    ack = await tab2.join(node.token("c1"))
    assert ack["ok"]
    assert await tab1.wait_for("closed") == {"reason": "replaced"}
    ids = [p["id"] for p in ack["snapshot"]["participants"]]
    assert ids.count("c1") == 1
    me = next(p for p in ack["snapshot"]["participants"] if p["id"] == "c1")
    assert me["on_air"] is True
    assert code(await tab2.join(node.token("c1"))) == "already_joined"
