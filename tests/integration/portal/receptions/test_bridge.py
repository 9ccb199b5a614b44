"""The portal and the live conference as one: a reception planned in the portal is
joined through the real socket.io server, and what happens in the conference (the
moderator joins, someone goes on air, the end) is written back to the reception and
drives its appeals."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import socketio
from aiohttp import web
from sqlalchemy import select

from config import Settings
from portal import migrate
from portal.adapters.appeals_orm import Appeal, StatusChange
from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.adapters.receptions_orm import Attendance, ModerationEntry, Reception, Seat
from portal.domain.receptions import Plan
from portal.domain.roles import Role
from portal.errors import NotFound
from portal.http.context import DATABASE, SETTINGS
from portal.http.receptions_request import receptions_deps
from portal.services import receptions, receptions_join, receptions_seats
from portal.services.receptions import ReceptionsDeps
from portal.services.receptions_join import JoinRefused
from reception.app import create_app
from recorder.timeline import read_timeline
from signaling.protocol.tokens import mint_join_token
from signaling.server import NAMESPACE
from tests.helpers import wait_until
from tests.integration.portal.appeals.conftest import add_reference, add_user
from tests.integration.signaling.conftest import Client

Connect = Callable[[str], Awaitable[Client]]


@pytest.fixture
async def connect(live_server: str) -> AsyncIterator[Connect]:
    clients: list[Client] = []

    async def open_one(token: str) -> Client:
        sio = socketio.AsyncClient(reconnection=False)
        client = Client(sio)

        async def record(event: str, data: Any = None) -> None:
            client.events.append((event, data))

        sio.on("*", record, namespace=NAMESPACE)
        await sio.connect(
            live_server, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=5
        )
        clients.append(client)
        return client

    yield open_one
    for client in clients:
        if client.sio.connected:
            await client.sio.disconnect()


class World:
    """One planned reception with one confirmed citizen, ready to start."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.db: Database = app[DATABASE]
        key = app[SETTINGS].secrets.token_key
        assert key is not None
        self.key = key.get_secret_value()

    @property
    def deps(self) -> ReceptionsDeps:
        return receptions_deps(self.app)

    async def build(self) -> None:
        db = self.db
        self.citizen = await add_user(db, email="maria@example.ru", roles=[Role.CITIZEN])
        self.host = await add_user(
            db, email="gov@example.ru", login="governor", roles=[Role.HOST], surname="Губернатор"
        )
        self.moderator = await add_user(
            db, email="mod@example.ru", login="moderator", roles=[Role.MODERATOR]
        )
        self.organizer = await add_user(
            db, email="org@example.ru", login="organizer", roles=[Role.ORGANIZER]
        )
        refs = await add_reference(db)
        now = datetime.now(UTC)
        async with db.session() as session, session.begin():
            appeal = Appeal(
                number="2026-000001",
                citizen_id=self.citizen.id,
                topic_id=refs.topic,
                municipality_id=refs.municipality,
                title="Нет освещения во дворе",
                address="ул. Ленина, 1",
                text="Третий месяц не горят фонари.",
                status="preparing",
                deadline_at=now + timedelta(days=30),
                consent_at=now,
            )
            session.add(appeal)
            await session.flush()
            for source, target in (
                (None, "new"),
                ("new", "in_work"),
                ("in_work", "recommended"),
                ("recommended", "preparing"),
            ):
                session.add(
                    StatusChange(
                        appeal_id=appeal.id,
                        at=now,
                        actor_role="test",
                        source=source,
                        target=target,
                        action="seed",
                    )
                )
        self.appeal_id = appeal.id
        reception = await receptions.create(
            self.deps,
            self.organizer,
            Plan(
                title="Прием губернатора",
                description="",
                starts_at=now + timedelta(minutes=30),
                ends_at=now + timedelta(minutes=90),
                capacity=15,
                host_id=self.host.id,
                moderator_id=self.moderator.id,
            ),
        )
        self.reception_id = reception.id
        await receptions_seats.enroll(self.deps, reception.id, appeal.id, self.organizer)
        await receptions_seats.invite(self.deps, reception.id, self.organizer, None)
        await receptions_seats.answer(self.deps, appeal.id, self.citizen, accept=True)

    async def token(self, user: User) -> str:
        ticket = await receptions_join.ticket(self.deps, self.reception_id, user, self.key)
        return ticket.token

    async def reception(self) -> Reception:
        async with self.db.session() as session:
            found = await session.get(Reception, self.reception_id)
            assert found is not None
            return found

    async def appeal_status(self) -> str:
        async with self.db.session() as session:
            appeal = await session.get(Appeal, self.appeal_id)
            assert appeal is not None
            return appeal.status

    async def attendance(self) -> dict[int, Attendance]:
        async with self.db.session() as session:
            rows = await session.execute(
                select(Attendance).where(Attendance.reception_id == self.reception_id)
            )
            return {row.user_id: row for row in rows.scalars()}

    async def actions(self) -> list[str]:
        async with self.db.session() as session:
            rows = await session.execute(
                select(ModerationEntry.action)
                .where(ModerationEntry.reception_id == self.reception_id)
                .order_by(ModerationEntry.id)
            )
            return list(rows.scalars())


@pytest.fixture
async def world(live_node: tuple[str, web.Application]) -> World:
    built = World(live_node[1])
    await built.build()
    return built


async def _state_is(world: World, state: str) -> bool:
    return (await world.reception()).state == state


@pytest.mark.timeout(60)
async def test_a_reception_from_the_portal_through_the_conference_and_back(
    world: World, connect: Connect
) -> None:
    with pytest.raises(JoinRefused):  # not started yet
        await world.token(world.citizen)
    await receptions.start(world.deps, world.reception_id, world.host)

    citizen = await connect("citizen")
    early = await citizen.join(await world.token(world.citizen))
    assert early["error"]["code"] == "moderator_absent"

    moderator = await connect("moderator")
    assert (await moderator.join(await world.token(world.moderator)))["ok"]
    await wait_until(lambda: _state_is(world, "live"), timeout=5, message="reception live")
    assert await world.appeal_status() == "at_reception"

    assert (await citizen.join(await world.token(world.citizen)))["ok"]
    host = await connect("host")
    assert (await host.join(await world.token(world.host)))["ok"]
    citizen_id = str(world.citizen.id)
    floor = await moderator.call("set_floor", {"participant_id": citizen_id, "on_air": True})
    assert floor["ok"], floor

    async def citizen_on_air() -> bool:
        row = (await world.attendance()).get(world.citizen.id)
        return row is not None and row.on_air_since is not None

    await wait_until(citizen_on_air, timeout=5, message="citizen on air in the record")

    # «Закончить прием» in the portal ends the conference wherever it runs.
    await receptions.end(world.deps, world.reception_id, world.organizer)
    closed = await citizen.wait_for("closed")
    assert closed["reason"] == "reception_ended"
    assert (await world.reception()).state == "ended"
    assert await world.appeal_status() == "held"

    people = await world.attendance()
    assert {uid: row.role for uid, row in people.items()} == {
        world.citizen.id: "citizen",
        world.moderator.id: "moderator",
        world.host.id: "host",
    }
    assert people[world.citizen.id].on_air_since is None
    actions = await world.actions()
    for expected in ("reception_planned", "reception_started", "reception_live", "set_floor"):
        assert expected in actions
    async with world.db.session() as session:
        seat = (
            await session.execute(select(Seat).where(Seat.appeal_id == world.appeal_id))
        ).scalar_one()
    assert seat.state == "attended"
    assert seat.active_appeal_id is None

    with pytest.raises(JoinRefused) as refused:
        await world.token(world.citizen)
    assert "завершен" in refused.value.text.ru

    # The recorder's timeline of the same reception, next to where its tracks go.
    timeline = world.app[SETTINGS].recordings_dir / str(world.reception_id) / "timeline.jsonl"

    async def timeline_ended() -> bool:
        return timeline.exists() and '"kind":"ended"' in timeline.read_text()

    await wait_until(timeline_ended, timeout=5, message="the timeline's end")
    kinds = [e["kind"] for e in read_timeline(timeline)]
    assert kinds[0] == "joined"  # the moderator, whose join made the reception live
    assert kinds.index("live") < kinds.index("on_air") < kinds.index("ended")
    floor = [e for e in read_timeline(timeline) if e.get("action") == "set_floor"]
    assert floor[0]["user_id"] == citizen_id
    assert floor[0]["detail"] == {"on_air": True}
    # Each participant's name, and the appeal a citizen came with, for the chapters.
    joined = {e["user_id"]: e["detail"] for e in read_timeline(timeline) if e["kind"] == "joined"}
    assert joined[citizen_id]["appeal_id"] == str(world.appeal_id)
    assert joined[citizen_id]["name"]
    assert "appeal_id" not in joined[str(world.moderator.id)]


@pytest.mark.timeout(60)
async def test_the_moderator_ending_for_everyone_ends_the_reception_in_the_portal(
    world: World, connect: Connect
) -> None:
    await receptions.start(world.deps, world.reception_id, world.moderator)
    moderator = await connect("moderator")
    assert (await moderator.join(await world.token(world.moderator)))["ok"]
    await wait_until(lambda: _state_is(world, "live"), timeout=5, message="reception live")
    ended = await moderator.call("end_conference", {})
    assert ended["ok"], ended
    await wait_until(lambda: _state_is(world, "ended"), timeout=5, message="reception ended")
    # The confirmed citizen never came: the appeal goes back to planning, not to control.
    assert await world.appeal_status() == "preparing"
    assert "end_conference" in await world.actions()


@pytest.mark.timeout(60)
async def test_a_citizen_the_moderator_removed_gets_no_new_ticket(
    world: World, connect: Connect
) -> None:
    await receptions.start(world.deps, world.reception_id, world.moderator)
    moderator = await connect("moderator")
    assert (await moderator.join(await world.token(world.moderator)))["ok"]
    await wait_until(lambda: _state_is(world, "live"), timeout=5, message="reception live")
    citizen = await connect("citizen")
    assert (await citizen.join(await world.token(world.citizen)))["ok"]
    removed = await moderator.call("remove_participant", {"participant_id": str(world.citizen.id)})
    assert removed["ok"], removed

    async def banned() -> bool:
        row = (await world.attendance()).get(world.citizen.id)
        return row is not None and row.banned

    await wait_until(banned, timeout=5, message="ban recorded")
    with pytest.raises(JoinRefused) as refused:
        await world.token(world.citizen)
    assert "удалил" in refused.value.text.ru

    # The node restarts without Redis (its own list of bans is gone); the citizen's
    # session token from the first join is still valid, and is still refused.
    session_token = citizen.joined["session_token"]
    restarted, url = await _start(world.app[SETTINGS], "restarted")
    try:
        sio = socketio.AsyncClient(reconnection=False)
        again = Client(sio)
        await sio.connect(url, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=5)
        refusal = await again.join(session_token)
        assert refusal["error"]["code"] == "banned"
        await sio.disconnect()
    finally:
        await restarted.cleanup()


@pytest.mark.timeout(60)
async def test_a_reception_cancelled_after_start_closes_its_room(
    world: World, connect: Connect
) -> None:
    await receptions.start(world.deps, world.reception_id, world.moderator)
    moderator = await connect("moderator")
    # Joined while only started: the room exists, nobody else may come yet.
    await receptions.cancel(world.deps, world.reception_id, world.organizer)
    refusal = await moderator.join(await _raw_token(world, world.moderator))
    assert refusal["error"]["code"] == "reception_not_live"
    assert await world.appeal_status() == "preparing"


async def _raw_token(world: World, user: User) -> str:
    return mint_join_token(world.key, world.reception_id, user.id, "x", "moderator", 60)


async def test_another_citizen_learns_nothing_of_the_reception(
    world: World, live_node: tuple[str, web.Application]
) -> None:
    stranger = await add_user(world.db, email="petr@example.ru", roles=[Role.CITIZEN])
    await receptions.start(world.deps, world.reception_id, world.moderator)
    with pytest.raises(NotFound):
        await world.token(stranger)


@pytest.mark.redis
@pytest.mark.timeout(60)
async def test_the_portal_of_one_node_ends_the_conference_hosted_by_another(
    redis_url: str, make_settings: Callable[..., Settings]
) -> None:
    """Two nodes share PostgreSQL-like truth (one SQLite file here) and Redis: the
    reception is live on node B, «Закончить прием» is pressed on node A's portal."""
    settings = make_settings(**{"redis.url": redis_url})
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    node_a, _ = await _start(settings, "a")
    node_b, url_b = await _start(settings, "b")
    try:
        world = World(node_a.app)
        await world.build()
        await receptions.start(world.deps, world.reception_id, world.moderator)
        sio = socketio.AsyncClient(reconnection=False)
        moderator = Client(sio)

        async def record(event: str, data: Any = None) -> None:
            moderator.events.append((event, data))

        sio.on("*", record, namespace=NAMESPACE)
        await sio.connect(url_b, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=5)
        assert (await moderator.join(await world.token(world.moderator)))["ok"]
        await wait_until(lambda: _state_is(world, "live"), timeout=5, message="live via node B")

        await receptions.end(world.deps, world.reception_id, world.organizer)
        closed = await moderator.wait_for("closed")
        assert closed["reason"] == "reception_ended"
        await sio.disconnect()
    finally:
        await node_a.cleanup()
        await node_b.cleanup()


async def _start(settings: Settings, node_id: str) -> tuple[web.AppRunner, str]:
    signaling = settings.signaling.model_copy(update={"node_id": node_id})
    app = create_app(settings.model_copy(update={"signaling": signaling}))
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"
