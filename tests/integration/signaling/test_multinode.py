"""Two nodes against the real Redis: events cross nodes, and a reception has one host node."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from config import Settings
from signaling.directory import RedisDirectory
from signaling.options import SignalingOptions
from signaling.protocol import Role
from tests.integration.signaling.conftest import GRACE_S, ClientFactory, Node, start_node

pytestmark = [pytest.mark.redis, pytest.mark.timeout(30)]


@pytest.fixture
async def nodes(
    redis_url: str, make_settings: Callable[..., Settings]
) -> AsyncIterator[tuple[Node, Node]]:
    settings = make_settings(**{"redis.url": redis_url})
    first = await start_node(settings, SignalingOptions(reconnect_grace_s=GRACE_S, node_id="a"))
    second = await start_node(settings, SignalingOptions(reconnect_grace_s=GRACE_S, node_id="b"))
    yield first, second
    await first.runner.cleanup()
    await second.runner.cleanup()


async def test_event_from_one_node_reaches_a_client_of_the_other(
    nodes: tuple[Node, Node], make_client: ClientFactory
) -> None:
    node_a, node_b = nodes
    await node_a.open()
    assert (await node_b.directory.get("r1")) is not None  # one shared directory

    waiting = await make_client(node_b)
    refused = await waiting.join(node_b.token("c1"))
    assert refused["error"]["code"] == "moderator_absent"

    moderator = await make_client(node_a)
    assert (await moderator.join(node_a.token("mod", Role.MODERATOR)))["ok"]
    # Node A announces the reception is live; the citizen is connected to node B.
    assert await waiting.wait_for("reception_state") == {"reception_id": "r1", "state": "live"}


async def test_second_node_refuses_a_reception_hosted_elsewhere(
    nodes: tuple[Node, Node], make_client: ClientFactory
) -> None:
    node_a, node_b = nodes
    await node_a.open()
    moderator = await make_client(node_a)
    assert (await moderator.join(node_a.token("mod", Role.MODERATOR)))["ok"]

    elsewhere = await make_client(node_b)
    ack = await elsewhere.join(node_b.token("c1"))
    assert ack["ok"] is False
    assert ack["error"]["code"] == "wrong_node"
    assert ack["error"]["node"] == "a"
    assert node_b.namespace.registry.get("r1") is None

    # Ending the reception frees it; node B then reports it is no longer live.
    assert (await moderator.call("end_conference"))["ok"]
    again = await elsewhere.join(node_b.token("c1"))
    assert again["error"]["code"] == "reception_not_live"


async def test_ban_is_shared_between_nodes(
    nodes: tuple[Node, Node], make_client: ClientFactory
) -> None:
    node_a, node_b = nodes
    await node_a.open()
    moderator, citizen = await make_client(node_a), await make_client(node_a)
    await moderator.join(node_a.token("mod", Role.MODERATOR))
    await citizen.join(node_a.token("c1"))
    await moderator.call("remove_participant", {"participant_id": "c1"})
    other = await make_client(node_b)
    assert (await other.join(node_b.token("c1")))["error"]["code"] == "banned"


CLAIM_TTL_S = 0.6


@pytest.fixture
async def short_claim_nodes(
    redis_url: str, make_settings: Callable[..., Settings]
) -> AsyncIterator[tuple[Node, Node]]:
    settings = make_settings(**{"redis.url": redis_url})
    first = await start_node(settings, SignalingOptions(node_id="a", claim_ttl_s=CLAIM_TTL_S))
    second = await start_node(settings, SignalingOptions(node_id="b", claim_ttl_s=CLAIM_TTL_S))
    yield first, second
    await first.runner.cleanup()
    await second.runner.cleanup()


async def test_a_live_node_keeps_its_claim_a_dead_one_lets_go(
    short_claim_nodes: tuple[Node, Node], redis_url: str, make_client: ClientFactory
) -> None:
    node_a, node_b = short_claim_nodes
    await node_a.open()
    moderator = await make_client(node_a)
    assert (await moderator.join(node_a.token("mod", Role.MODERATOR)))["ok"]
    await asyncio.sleep(CLAIM_TTL_S * 3)  # renewed meanwhile
    elsewhere = await make_client(node_b)
    assert (await elsewhere.join(node_b.token("c1")))["error"]["code"] == "wrong_node"

    # A node that stops without releasing (a crash) loses the reception after the TTL.
    directory = RedisDirectory(redis_url, claim_ttl_s=CLAIM_TTL_S)
    assert await directory.claim("r2", "crashed") == "crashed"
    assert await directory.claim("r2", "b") == "crashed"
    await asyncio.sleep(CLAIM_TTL_S * 1.5)
    assert await directory.claim("r2", "b") == "b"
    assert not await directory.renew("r2", "crashed")
    await directory.close()
