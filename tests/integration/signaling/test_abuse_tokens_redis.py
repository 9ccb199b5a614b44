"""One join per token with `redis.url`: the spent tokens live in Redis, so a used token stays
used on another node and on a node that restarts (a new process, a new node object here),
two joins racing with one token cannot both spend it, and the way back with a
participant's last token holds across a restart too."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
import redis.asyncio as aioredis

from config import Settings
from signaling.options import SignalingOptions
from signaling.protocol import ErrorCode, Role, SignalingError
from signaling.protocol.tokens import JoinClaims
from signaling.spent_tokens import RedisSpentTokens, digest
from tests.integration.signaling.conftest import (
    GRACE_S,
    Client,
    ClientFactory,
    Node,
    start_node,
)

pytestmark = [pytest.mark.redis, pytest.mark.timeout(30)]


def code(ack: dict[str, object]) -> object:
    assert ack["ok"] is False, ack
    return ack["error"]["code"]  # type: ignore[index]


def claims(user: str = "a", ttl_s: float = 3600) -> JoinClaims:
    return JoinClaims("r1", user, "Name", Role.CITIZEN, int(time.time() + ttl_s))


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
async def spent(redis_url: str) -> AsyncIterator[tuple[RedisSpentTokens, RedisSpentTokens]]:
    """The records of two nodes sharing one Redis."""
    first, second = RedisSpentTokens(redis_url), RedisSpentTokens(redis_url)
    yield first, second
    await first.close()
    await second.close()


async def refused(spent: RedisSpentTokens, token: str, who: JoinClaims, in_reception: bool) -> str:
    with pytest.raises(SignalingError) as caught:
        await spent.spend(token, who, in_reception=in_reception)
    return caught.value.code


# -- the record -----------------------------------------------------------------------------


async def test_a_token_spent_on_one_node_is_used_on_another_and_after_a_restart(
    spent: tuple[RedisSpentTokens, RedisSpentTokens], redis_url: str
) -> None:
    first, second = spent
    await first.spend("t1", claims(), in_reception=False)
    assert await refused(second, "t1", claims(), in_reception=False) == ErrorCode.TOKEN_USED
    await first.close()
    restarted = RedisSpentTokens(redis_url)
    try:
        assert await refused(restarted, "t1", claims(), False) == ErrorCode.TOKEN_USED
        await restarted.spend("t2", claims(), in_reception=False)  # another token of theirs
    finally:
        await restarted.close()


@pytest.mark.timeout(15)
async def test_of_two_racing_spends_of_one_token_exactly_one_wins(
    spent: tuple[RedisSpentTokens, RedisSpentTokens],
) -> None:
    first, second = spent
    for attempt in range(50):
        token = f"race-{attempt}"
        outcomes = await asyncio.gather(
            first.spend(token, claims(), in_reception=False),
            second.spend(token, claims(), in_reception=False),
            first.spend(token, claims(), in_reception=False),
            return_exceptions=True,
        )
        won = [o for o in outcomes if not isinstance(o, BaseException)]
        lost = [o for o in outcomes if isinstance(o, SignalingError)]
        assert len(won) == 1, outcomes
        assert len(lost) == 2, outcomes
        assert all(error.code is ErrorCode.TOKEN_USED for error in lost)


async def test_the_last_token_admits_its_participant_again_on_any_node(
    spent: tuple[RedisSpentTokens, RedisSpentTokens],
) -> None:
    first, second = spent
    await first.spend("portal", claims(), in_reception=False)
    await second.spend("portal", claims(), in_reception=True)  # its ack was lost
    await second.spend("session-1", claims(), in_reception=True)
    assert await refused(first, "portal", claims(), in_reception=True) == ErrorCode.TOKEN_USED
    await first.spend("session-1", claims(), in_reception=True)
    assert await refused(first, "session-1", claims(), False) == ErrorCode.TOKEN_USED
    assert await refused(second, "session-1", claims("b"), True) == ErrorCode.TOKEN_USED


async def test_undo_deletes_what_the_spend_wrote(
    spent: tuple[RedisSpentTokens, RedisSpentTokens], redis: aioredis.Redis
) -> None:
    first, second = spent
    who = claims()
    undo = await first.spend("t1", who, in_reception=False)
    await undo()  # moderator_absent: the page tries again with the same token
    assert await redis.keys("*") == []
    await second.spend("t1", who, in_reception=False)

    # A join refused after the spend of a newer token gives the older one back as the last.
    last = first.last_key("r1", "a")
    kept_for = await redis.pttl(last)
    undo = await first.spend("t2", claims(ttl_s=60), in_reception=True)
    assert 0 < await redis.pttl(last) <= 60_000
    await undo()
    assert not await redis.exists(first.spent_key("r1", digest("t2")))
    assert (await redis.get(last) or "").split()[0] == digest("t1")
    assert abs(await redis.pttl(last) - kept_for) < 5_000  # the older token's own expiry
    await second.spend("t1", who, in_reception=True)


async def test_the_keys_expire_with_the_token_and_name_only_its_digest(
    spent: tuple[RedisSpentTokens, RedisSpentTokens], redis: aioredis.Redis
) -> None:
    first, _ = spent
    token = "v1.secret-claims.signature"
    who = claims(ttl_s=1.5)
    await first.spend(token, who, in_reception=False)
    keys = {first.spent_key("r1", digest(token)), first.last_key("r1", "a")}
    assert set(await redis.keys("*")) == keys
    for key in keys:
        assert token not in key
        assert token not in (await redis.get(key) or "")
        assert 0 < await redis.pttl(key) <= 2_000
        assert await redis.expiretime(key) == who.expires_at
    deadline = time.monotonic() + 3
    while await redis.keys("*"):  # gone when the token expires, not before
        assert time.monotonic() < deadline, "the spent token's keys did not expire"
        await asyncio.sleep(0.05)
    assert time.time() >= who.expires_at - 0.05


# -- nodes ----------------------------------------------------------------------------------


@dataclass
class Cluster:
    """Nodes in this process sharing the test's Redis; stopping one (its clients dropped
    first, as a dying node drops them) and starting another of the same name is a restart."""

    settings: Settings
    make_client: ClientFactory
    clients: dict[str, list[Client]] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)

    async def start(self, node_id: str, grace_s: float = 30) -> Node:
        """A long grace by default: the participants stay in the kept room while it stops."""
        options = SignalingOptions(reconnect_grace_s=grace_s, node_id=node_id)
        self.nodes[node_id] = node = await start_node(self.settings, options)
        self.clients[node_id] = []
        return node

    async def client(self, node_id: str) -> Client:
        client = await self.make_client(self.nodes[node_id])
        self.clients[node_id].append(client)
        return client

    async def stop(self, node_id: str) -> None:
        for client in self.clients.pop(node_id):
            if client.sio.connected:
                await client.sio.disconnect()
        await self.nodes.pop(node_id).runner.cleanup()


@pytest.fixture
async def cluster(
    redis_url: str, make_settings: Callable[..., Settings], make_client: ClientFactory
) -> AsyncIterator[Cluster]:
    started = Cluster(make_settings(**{"redis.url": redis_url}), make_client)
    yield started
    for node_id in list(started.nodes):
        await started.stop(node_id)


async def test_a_used_token_is_refused_by_another_node_and_by_the_restarted_one(
    cluster: Cluster,
) -> None:
    first = await cluster.start("a")
    await cluster.start("b")
    await first.open()
    moderator, citizen = await cluster.client("a"), await cluster.client("a")
    assert (await moderator.join(first.token("mod", Role.MODERATOR)))["ok"]
    link = first.token("a")
    assert (await citizen.join(link))["ok"]
    assert await citizen.call("leave") == {"ok": True}

    # Node b does not host the reception (it would say wrong_node), but the link is spent.
    assert code(await (await cluster.client("b")).join(link)) == "token_used"

    await cluster.stop("a")
    restarted = await cluster.start("a")
    assert code(await (await cluster.client("a")).join(link)) == "token_used"
    assert restarted.namespace.registry.get("r1") is None  # the refusal opened nothing
    # The moderator comes back with the session token of the join before the restart.
    assert (await (await cluster.client("a")).join(moderator.joined["session_token"]))["ok"]
    assert code(await (await cluster.client("a")).join(link)) == "token_used"


async def test_a_reconnect_whose_acknowledgement_was_lost_comes_back_after_a_restart(
    cluster: Cluster,
) -> None:
    """The node stopped while a phone joined: the page never saw its new session token and
    comes back to the restarted node with the token it sent, which is still its last."""
    first = await cluster.start("a")
    await first.open()
    moderator, phone = await cluster.client("a"), await cluster.client("a")
    assert (await moderator.join(first.token("mod", Role.MODERATOR)))["ok"]
    link = first.token("a")
    session = (await phone.join(link))["session_token"]
    await phone.sio.disconnect()  # a reload: back with the session token...
    assert (await (await cluster.client("a")).join(session))["ok"]  # ...whose ack is lost

    await cluster.stop("a")
    restarted = await cluster.start("a", grace_s=GRACE_S)
    # The portal's link is no longer the participant's last: refused.
    assert code(await (await cluster.client("a")).join(link)) == "token_used"
    back = await cluster.client("a")
    ack = await back.join(session)
    assert ack["ok"], ack
    assert ack["snapshot"]["you"] == "a"
    assert restarted.namespace.registry.get("r1") is not None
    # Once the participant has left, not even the last token brings them back.
    assert await back.call("leave") == {"ok": True}
    assert code(await (await cluster.client("a")).join(session)) == "token_used"


async def test_a_join_refused_after_the_spend_leaves_nothing_in_redis(
    cluster: Cluster, redis: aioredis.Redis
) -> None:
    """The page waiting for the moderator joins by itself with the same token."""
    node = await cluster.start("a")
    await node.open()
    citizen = await cluster.client("a")
    token = node.token("a")
    assert code(await citizen.join(token)) == "moderator_absent"
    assert await redis.keys("reception:r1:spent:*") == []
    assert await redis.keys("reception:r1:last-token:*") == []
    moderator = await cluster.client("a")
    assert (await moderator.join(node.token("mod", Role.MODERATOR)))["ok"]
    await citizen.wait_for("reception_state", lambda s: s["state"] == "live")
    assert (await citizen.join(token))["ok"]
    assert await redis.exists(f"reception:r1:spent:{digest(token)}")
