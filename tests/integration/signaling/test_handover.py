"""A reception moves to the node the balancer sends its participants to: two nodes against
the real Redis, node B hosting a reception that the balancer now hashes to node A (A came
back after B took the reception over while A was down). A refuses the join with
`wrong_node` and asks B for the reception; B lets it go once it has hosted it for
`handover_after_s`, its pages connect again (to A) and get their places back."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from config import Settings
from signaling.directory import RedisDirectory
from signaling.options import SignalingOptions
from signaling.protocol import Role
from signaling.setup import setup_signaling
from tests.helpers import wait_until
from tests.integration.reception.pages import Page
from tests.integration.signaling.conftest import STATIC, Client, ClientFactory, Node

pytestmark = [pytest.mark.redis, pytest.mark.timeout(30)]

GRACE_S = 10.0
"""Long enough that nobody of the moved room times out while the test rejoins."""
NodePair = Callable[..., Awaitable[tuple[Node, Node]]]
METRICS: dict[str, CollectorRegistry] = {}
"""Each node's /metrics registry, by node name."""


async def _start(settings: Settings, options: SignalingOptions) -> Node:
    """As conftest.start_node, with the node's /metrics registry."""
    app = web.Application()
    metrics = METRICS[options.node_id] = CollectorRegistry()
    namespace = setup_signaling(app, settings, STATIC, options=options, metrics=metrics)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return Node(f"http://127.0.0.1:{runner.addresses[0][1]}", namespace, runner, settings)


def handovers(node_id: str, outcome: str) -> float | None:
    return METRICS[node_id].get_sample_value("signaling_handovers_total", {"outcome": outcome})


@pytest.fixture
async def two_nodes(
    redis_url: str, make_settings: Callable[..., Settings]
) -> AsyncIterator[NodePair]:
    started: list[Node] = []

    async def start(handover_after_s: float = 0.0, claim_ttl_s: float = 30.0) -> tuple[Node, Node]:
        settings = make_settings(**{"redis.url": redis_url})
        pair = []
        for name in ("a", "b"):
            options = SignalingOptions(
                reconnect_grace_s=GRACE_S,
                node_id=name,
                claim_ttl_s=claim_ttl_s,
                handover_after_s=handover_after_s,
            )
            node = await _start(settings, options)
            started.append(node)
            pair.append(node)
        return pair[0], pair[1]

    yield start
    for node in started:
        await node.runner.cleanup()


async def _room_on_b(node_b: Node, make_client: ClientFactory) -> tuple[Client, Client]:
    """A live reception hosted by B: its moderator and a citizen on air, muted by the
    moderator, both connected to B."""
    await node_b.open()
    moderator, citizen = await make_client(node_b), await make_client(node_b)
    assert (await moderator.join(node_b.token("mod", Role.MODERATOR)))["ok"]
    assert (await citizen.join(node_b.token("c1")))["ok"]
    assert (await moderator.call("set_floor", {"participant_id": "c1", "on_air": True}))["ok"]
    muted = {"participant_id": "c1", "kind": "audio", "muted": True}
    assert (await moderator.call("mute", muted))["ok"]
    return moderator, citizen


def _moved(client: Client) -> bool:
    return {"reason": "moved"} in client.received("closed") and not client.sio.connected


async def test_the_host_hands_the_reception_to_the_node_that_asks(
    two_nodes: NodePair, make_client: ClientFactory, redis_url: str
) -> None:
    node_a, node_b = await two_nodes()
    moderator, citizen = await _room_on_b(node_b, make_client)

    newcomer = await make_client(node_a, "r1")
    refused = await newcomer.join(node_a.token("c2"))
    assert refused["error"]["code"] == "wrong_node"
    assert refused["error"]["node"] == "b"

    # B lets the reception go: both its connections are told to connect again at once
    # (nobody was removed: no `participant_left`), then closed.
    await wait_until(lambda: _moved(moderator) and _moved(citizen), message="moved out of B")
    assert moderator.received("closed") == [{"reason": "moved"}]
    assert citizen.received("closed") == [{"reason": "moved"}]
    assert citizen.received("participant_left") == []
    assert node_b.namespace.registry.get("r1") is None
    assert handovers("a", "asked") == 1
    assert handovers("b", "handed_over") == 1
    directory = RedisDirectory(redis_url)
    try:
        assert await directory.claim("r1", "probe") == "probe"  # released
        await directory.release("r1", "probe")
    finally:
        await directory.close()

    # The pages come back through the balancer, to A, with their session tokens.
    back_moderator, back_citizen = await make_client(node_a, "r1"), await make_client(node_a, "r1")
    assert (await back_moderator.join(moderator.joined["session_token"]))["ok"]
    ack = await back_citizen.join(citizen.joined["session_token"])
    assert ack["ok"], ack
    assert ack["snapshot"]["role"] == "citizen"
    me = back_citizen.participant("c1")
    assert me is not None
    assert me["on_air"] is True
    assert me["moderator_muted"] == {"audio": True, "video": False}
    assert back_moderator.joined["snapshot"]["role"] == "moderator"
    assert node_a.namespace.registry.get("r1") is not None

    # And the newcomer's page, trying again, is let in.
    again = await make_client(node_a, "r1")
    assert (await again.join(node_a.token("c2")))["ok"]
    unmute = {"kind": "audio", "muted": False}
    assert (await back_citizen.call("self_mute", unmute))["error"]["code"] == "muted_by_moderator"


async def test_a_join_around_the_balancer_asks_for_nothing(
    two_nodes: NodePair, make_client: ClientFactory
) -> None:
    """A connection that does not name the reception was not routed by it: a citizen with
    a valid link could otherwise move a reception at will by connecting to another node."""
    node_a, node_b = await two_nodes()
    moderator, citizen = await _room_on_b(node_b, make_client)

    for elsewhere in ("r2", None):
        around = await make_client(node_a, elsewhere)
        assert (await around.join(node_a.token("c2")))["error"]["code"] == "wrong_node"
    await asyncio.sleep(0.5)
    assert handovers("a", "asked") == 0
    assert moderator.received("closed") == citizen.received("closed") == []
    assert node_b.namespace.registry.get("r1") is not None


async def test_pages_waiting_for_the_moderator_move_too(
    two_nodes: NodePair, make_client: ClientFactory
) -> None:
    """Left on B, a page waiting for the moderator would join B when told the reception is
    live again, and B would ask for the reception back."""
    node_a, node_b = await two_nodes()
    moderator, citizen = await _room_on_b(node_b, make_client)
    assert (await moderator.call("leave"))["ok"]
    waiting = await make_client(node_b)
    assert (await waiting.join(node_b.token("c3")))["error"]["code"] == "moderator_absent"

    newcomer = await make_client(node_a, "r1")
    assert (await newcomer.join(node_a.token("c2")))["error"]["code"] == "wrong_node"
    await wait_until(lambda: _moved(waiting) and _moved(citizen), message="moved out of B")
    assert waiting.received("closed") == [{"reason": "moved"}]

    again = await make_client(node_a, "r1")
    assert (await again.join(node_a.token("c3")))["error"]["code"] == "moderator_absent"
    back = await make_client(node_a, "r1")
    assert (await back.join(node_a.token("mod", Role.MODERATOR)))["ok"]
    assert await again.wait_for("reception_state") == {"reception_id": "r1", "state": "live"}


async def test_a_reception_hosted_briefly_is_handed_over_only_after_the_guard(
    two_nodes: NodePair, make_client: ClientFactory
) -> None:
    guard_s = 1.5
    node_a, node_b = await two_nodes(handover_after_s=guard_s)
    moderator, citizen = await _room_on_b(node_b, make_client)

    newcomer = await make_client(node_a, "r1")
    assert (await newcomer.join(node_a.token("c2")))["error"]["code"] == "wrong_node"
    await asyncio.sleep(0.5)
    assert moderator.received("closed") == []
    assert moderator.sio.connected
    assert node_b.namespace.registry.get("r1") is not None

    await asyncio.sleep(guard_s)  # the page asks again a second after each refusal
    assert (await newcomer.join(node_a.token("c2")))["error"]["code"] == "wrong_node"
    await wait_until(lambda: _moved(moderator) and _moved(citizen), message="moved out of B")
    assert (await newcomer.join(node_a.token("c2")))["ok"]


async def test_a_reception_is_not_bounced_within_the_guard(
    two_nodes: NodePair, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    node_a, node_b = await two_nodes(handover_after_s=60.0)
    moderator, citizen = await _room_on_b(node_b, make_client)
    caplog.set_level(logging.WARNING, logger="signaling.registry")

    newcomer = await make_client(node_a, "r1")
    for _ in range(3):
        assert (await newcomer.join(node_a.token("c2")))["error"]["code"] == "wrong_node"
        await asyncio.sleep(0.5)
    assert moderator.received("closed") == []
    assert citizen.received("closed") == []
    assert moderator.sio.connected
    assert citizen.sio.connected
    assert node_b.namespace.registry.get("r1") is not None
    assert (await moderator.call("set_floor", {"participant_id": "c1", "on_air": False}))["ok"]
    kept = [r for r in caplog.records if "not handing the reception over" in r.getMessage()]
    assert len(kept) == 1  # said once, not at every request
    await wait_until(lambda: handovers("b", "kept") == 3, message="three requests kept")
    assert handovers("b", "handed_over") == 0
    assert getattr(kept[0], "reception", None) == "r1"


async def test_a_dead_holder_still_means_waiting_for_its_claim_to_expire(
    two_nodes: NodePair, make_client: ClientFactory, redis_url: str
) -> None:
    node_a, node_b = await two_nodes()
    await node_a.open()
    claim_ttl_s = 1.5
    dead = RedisDirectory(redis_url, claim_ttl_s=claim_ttl_s)
    try:
        assert await dead.claim("r1", "dead") == "dead"  # a node that died holding it
        moderator = await make_client(node_a, "r1")
        refused = await moderator.join(node_a.token("mod", Role.MODERATOR))
        assert refused["error"] == {
            "code": "wrong_node",
            "message": "the reception is hosted by another node",
            "node": "dead",
        }
        await asyncio.sleep(0.3)  # nobody answers; the claim stands
        assert await dead.claim("r1", "probe") == "dead"
        assert node_b.namespace.registry.get("r1") is None
        await wait_until(
            lambda: _expired(dead, "r1"),
            timeout=claim_ttl_s * 3,
            message="the dead node's claim expired",
        )
        assert (await moderator.join(node_a.token("mod", Role.MODERATOR)))["ok"]
        assert node_a.namespace.registry.get("r1") is not None
    finally:
        await dead.close()


async def _expired(directory: RedisDirectory, reception_id: str) -> bool:
    """True once nobody holds the claim (taken for a moment to see, then let go)."""
    if await directory.claim(reception_id, "probe") != "probe":
        return False
    await directory.release(reception_id, "probe")
    return True


async def test_a_stale_claim_of_a_live_node_is_released_when_asked(
    two_nodes: NodePair, make_client: ClientFactory, redis_url: str
) -> None:
    """B holds a claim from before a restart (its name survives restarts) but hosts
    nothing: asked, it lets the claim go at once instead of leaving it to expire."""
    node_a, _ = await two_nodes()
    await node_a.open()
    previous_life = RedisDirectory(redis_url, claim_ttl_s=30)
    try:
        assert await previous_life.claim("r1", "b") == "b"
        moderator = await make_client(node_a, "r1")
        assert (await moderator.join(node_a.token("mod", Role.MODERATOR)))["error"]["node"] == "b"
        await wait_until(lambda: _expired(previous_life, "r1"), message="B let go")
        assert (await moderator.join(node_a.token("mod", Role.MODERATOR)))["ok"]
    finally:
        await previous_life.close()


async def test_pages_follow_the_reception_by_themselves(
    two_nodes: NodePair, make_client: ClientFactory
) -> None:
    """The test pages (pages.Page, modelled on the conference page) reconnect at once on
    `moved`, to wherever the balancer now sends them, and show no removal."""
    node_a, node_b = await two_nodes()
    await node_b.open()
    rtc = node_b.settings.rtc
    moderator = Page(node_b.url, node_b.token("mod", Role.MODERATOR), rtc, luma=None)
    citizen = Page(node_b.url, node_b.token("c1"), rtc, luma=None)
    try:
        await moderator.open()
        await citizen.open()
        muted = {"participant_id": "c1", "kind": "video", "muted": True}
        assert (await moderator.client.call("mute", muted))["ok"]
        # The balancer now hashes the reception to A.
        moderator.url = citizen.url = node_a.url
        newcomer = await make_client(node_a, "r1")
        assert (await newcomer.join(node_a.token("c2")))["error"]["code"] == "wrong_node"
        moment = time.monotonic()
        await moderator.joined_after(moment, timeout=5.0)
        await citizen.joined_after(moment, timeout=5.0)
        assert citizen.snapshot["role"] == "citizen"
        me = next(p for p in citizen.snapshot["participants"] if p["id"] == "c1")
        assert me["moderator_muted"]["video"] is True
        closed = [data for event, data in citizen.client.events if event == "closed"]
        assert closed == [{"reason": "moved"}]
        assert node_a.namespace.registry.get("r1") is not None
        assert node_b.namespace.registry.get("r1") is None
    finally:
        await moderator.close()
        await citizen.close()
