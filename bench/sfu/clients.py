"""Who joins the server under test, by the server's kind: the host who publishes, the
moderator who must be there first (the product only), and the listeners."""

from __future__ import annotations

from bench.sfu.signals import Publication, Subscription, Target
from bench.sfu.via_janus import JanusHandle
from bench.sfu.via_reception import HOST_ID, MODERATOR_ID, ReceptionClient
from bench.sfu.via_router import RouterClient
from signaling.protocol.roles import Role


async def host(target: Target) -> Publication:
    if target.kind == "reception":
        return await ReceptionClient.join(target, HOST_ID, Role.HOST)
    return await _plain(target)


async def moderator(target: Target) -> Subscription | None:
    """The product lets listeners in only with a moderator present; the others have none."""
    if target.kind == "reception":
        return await ReceptionClient.join(target, MODERATOR_ID, Role.MODERATOR)
    return None


async def listener(target: Target, name: str) -> Subscription:
    """A listener joins the product as an observer: it publishes nothing and takes no
    citizen's place (a reception has at most 15)."""
    if target.kind == "reception":
        return await ReceptionClient.join(target, name, Role.OBSERVER)
    return await _plain(target)


async def _plain(target: Target) -> JanusHandle | RouterClient:
    if target.kind == "janus":
        handle = JanusHandle(target.url)
        await handle.open()
        return handle
    return RouterClient(target.url)
