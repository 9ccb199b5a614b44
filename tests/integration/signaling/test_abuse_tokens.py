"""One join per token: a replayed or expired token is refused, while a reload, a mobile
reconnect and a page waiting for the moderator still come in."""

from __future__ import annotations

import logging

import aiohttp
import pytest
from aiohttp import web

from config import Settings
from signaling.protocol import Role
from signaling.setup import SIGNALING
from tests.integration.signaling.conftest import ClientFactory, Node, expired_token

pytestmark = pytest.mark.timeout(30)


def code(ack: dict[str, object]) -> object:
    assert ack["ok"] is False, ack
    return ack["error"]["code"]  # type: ignore[index]


async def test_a_used_token_is_refused_once_its_participant_is_gone(
    node: Node, make_client: ClientFactory
) -> None:
    await node.open()
    moderator, citizen = await make_client(node), await make_client(node)
    assert (await moderator.join(node.token("mod", Role.MODERATOR)))["ok"]
    portal_token = node.token("a")
    joined = await citizen.join(portal_token)
    assert joined["ok"]
    assert await citizen.call("leave") == {"ok": True}

    stranger = await make_client(node)  # the link found in the browser's history
    assert code(await stranger.join(portal_token)) == "token_used"
    assert node.namespace.registry.get("r1").room.get("a") is None  # type: ignore[union-attr]
    # «Присоединиться снова» comes back with the session token the join returned.
    assert (await citizen.join(joined["session_token"]))["ok"]


async def test_a_spent_link_says_first_that_its_holder_was_removed_or_the_reception_ended(
    node: Node, make_client: ClientFactory
) -> None:
    await node.open()
    moderator = await make_client(node)
    await moderator.join(node.token("mod", Role.MODERATOR))
    links = {user: node.token(user) for user in ("a", "b")}
    for link in links.values():
        assert (await (await make_client(node)).join(link))["ok"]
    await moderator.call("remove_participant", {"participant_id": "a"})
    assert code(await (await make_client(node)).join(links["a"])) == "banned"
    await moderator.call("disconnect_participant", {"participant_id": "b"})
    assert code(await (await make_client(node)).join(links["b"])) == "token_used"
    await moderator.call("end_conference")
    assert code(await (await make_client(node)).join(links["b"])) == "reception_not_live"


async def test_a_reload_comes_back_and_the_spent_tokens_stay_spent(
    node: Node, make_client: ClientFactory
) -> None:
    await node.open()
    moderator, citizen = await make_client(node), await make_client(node)
    await moderator.join(node.token("mod", Role.MODERATOR))
    portal_token = node.token("a")
    first = await citizen.join(portal_token)
    await citizen.sio.disconnect()  # a reload
    await moderator.wait_for(
        "participant", lambda p: p["id"] == "a" and p["presence"] != "connected"
    )

    reloaded = await make_client(node)
    second = await reloaded.join(first["session_token"])
    assert second["ok"], second
    # The portal's token is no longer the participant's last: refused, even while they are in.
    assert code(await (await make_client(node)).join(portal_token)) == "token_used"
    # Every reload gets a new session token and comes back with it.
    await reloaded.sio.disconnect()
    assert (await (await make_client(node)).join(second["session_token"]))["ok"]


async def test_a_reconnect_whose_acknowledgement_was_lost_comes_back_with_the_same_token(
    node: Node, make_client: ClientFactory
) -> None:
    """A phone changes network while joining: it never saw its session token, and the node
    has not yet noticed the old connection die. The newest connection wins as always."""
    await node.open()
    moderator, phone = await make_client(node), await make_client(node)
    await moderator.join(node.token("mod", Role.MODERATOR))
    token = node.token("a")
    assert (await phone.join(token))["ok"]
    after_network_change = await make_client(node)
    assert (await after_network_change.join(token))["ok"]
    assert await phone.wait_for("closed") == {"reason": "replaced"}
    room = node.namespace.registry.get("r1").room  # type: ignore[union-attr]
    assert [p.id for p in room.participants.values() if p.id == "a"] == ["a"]


async def test_a_refused_join_does_not_spend_the_token(
    node: Node, make_client: ClientFactory
) -> None:
    """The page waiting for the moderator joins by itself with the same token."""
    await node.open()
    citizen = await make_client(node)
    token = node.token("a")
    assert code(await citizen.join(token)) == "moderator_absent"
    moderator = await make_client(node)
    await moderator.join(node.token("mod", Role.MODERATOR))
    await citizen.wait_for("reception_state", lambda s: s["state"] == "live")
    assert (await citizen.join(token))["ok"]


async def test_expired_and_forged_tokens_are_refused_and_counted(
    node: Node, make_client: ClientFactory
) -> None:
    await node.open()
    client = await make_client(node)
    assert code(await client.join(expired_token(node, "a"))) == "token_expired"
    assert code(await client.join(node.token("a")[:-2] + "xx")) == "invalid_token"
    counter = node.namespace.refusals._counter
    assert counter.labels("token_expired")._value.get() == 1
    assert counter.labels("invalid_token")._value.get() == 1
    assert client.sio.connected


async def test_refusals_reach_metrics_and_the_log_names_no_token(
    live_node: tuple[str, web.Application],
    settings: Settings,
    make_client: ClientFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, app = live_node
    node = Node(url, app[SIGNALING], web.AppRunner(app), settings)
    await node.open("r-tokens")
    moderator, citizen = await make_client(node), await make_client(node)
    await moderator.join(node.token("mod", Role.MODERATOR, reception_id="r-tokens"))
    token = node.token("a", reception_id="r-tokens")
    assert (await citizen.join(token))["ok"]
    await citizen.call("leave")
    with caplog.at_level(logging.WARNING, "signaling.limits"):
        assert code(await (await make_client(node)).join(token)) == "token_used"

    async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as response:
        text = await response.text()
    assert 'signaling_refusals_total{code="token_used"} 1.0' in text
    assert 'signaling_refusals_total{code="rate_limited"} 0.0' in text
    [record] = [r for r in caplog.records if r.name == "signaling.limits"]
    assert record.code == "token_used"  # type: ignore[attr-defined]
    assert record.token  # type: ignore[attr-defined]  # a digest to match refusals by
    logged = repr(record.__dict__)
    assert token not in logged
    assert token.split(".")[1] not in logged
    assert token.split(".")[2] not in logged
