"""A reception survives its node: SIGKILL the real `reception run` (Redis and PostgreSQL
configured) in the middle of a reception, then start it again, or let a second node take
the reception over once the first one's claim has expired. Every participant's page comes
back by itself (pages.Page plays the conference page) with its role and every moderator
decision kept, the removed citizen stays refused, media flows again, and what the portal's
database had before the kill is still there."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
import socketio
from sqlalchemy import select

from config.settings import Settings
from portal.adapters.clock import Clock
from portal.adapters.db import Database
from portal.adapters.orm import User
from portal.adapters.receptions_orm import Attendance, ModerationEntry
from portal.adapters.receptions_orm import Reception as ReceptionRow
from portal.domain.receptions import Plan
from portal.domain.roles import Role
from portal.services import receptions
from portal.services.receptions import ReceptionsDeps
from signaling.directory import RedisDirectory
from signaling.options import stable_node_id
from signaling.protocol import Role as ConferenceRole
from signaling.tokens import mint_join_token
from tests.conftest import POSTGRES_URL, unavailable
from tests.helpers import wait_until
from tests.integration.portal.appeals.conftest import add_user
from tests.integration.reception.pages import Balancer, Page
from tests.integration.signaling.conftest import Client
from tests.node_process import LocalNode, free_port, node_config

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.timeout(90)]

BACK_WITHIN_S = 5.0
CLAIM_TTL_S = 3.0
COMMANDS = ["set_floor", "mute", "set_mic_level", "limit_bandwidth", "hold", "set_layout"]


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database of its own (the node migrates it when it starts)."""
    admin = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
    name = f"restart_{uuid.uuid4().hex[:12]}"
    try:
        conn = await asyncpg.connect(admin)
    except OSError:
        unavailable("PostgreSQL on 127.0.0.1:5432")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


@dataclass
class Cluster:
    tmp: Path
    redis_url: str
    database_url: str
    nodes: dict[str, Settings] = field(default_factory=dict)

    def config(self, name: str) -> tuple[Settings, Path]:
        """One node's config, written once (a restarted node listens where it did): the
        shared data folder (so both nodes sign with the same secrets), Redis and
        PostgreSQL, a short claim, no recording (not what is tested)."""
        path = self.tmp / f"{name}.yaml"
        if name not in self.nodes:
            self.nodes[name] = node_config(
                path,
                free_port(),
                data_dir=str(self.tmp / "data"),
                redis={"url": self.redis_url},
                database={"url": self.database_url},
                recording={"enabled": False},
                # No node_id: the default name (host and port) is what a restart keeps.
                signaling={"claim_ttl_s": CLAIM_TTL_S},
            )
        return self.nodes[name], path

    def start(self, name: str) -> LocalNode:
        settings, path = self.config(name)
        return LocalNode(settings, path, self.tmp / f"{name}.log")


@dataclass
class People:
    """A reception planned and started in the portal's database, and its people."""

    reception_id: int
    host: User
    moderator: User
    citizens: list[User]
    db: Database
    key: str

    def token(self, user: User, role: ConferenceRole) -> str:
        return mint_join_token(
            self.key, str(self.reception_id), str(user.id), user.surname, role, 120
        )

    async def actions(self) -> list[tuple[str, int | None]]:
        async with self.db.session() as session:
            rows = await session.execute(
                select(ModerationEntry.action, ModerationEntry.target_id)
                .where(ModerationEntry.reception_id == self.reception_id)
                .order_by(ModerationEntry.id)
            )
            return [(action, target) for action, target in rows.all()]

    async def attendance(self) -> dict[int, tuple[str, bool]]:
        async with self.db.session() as session:
            rows = await session.execute(
                select(Attendance).where(Attendance.reception_id == self.reception_id)
            )
            return {row.user_id: (row.role, row.banned) for row in rows.scalars()}

    async def state(self) -> str:
        async with self.db.session() as session:
            row = await session.get(ReceptionRow, self.reception_id)
            assert row is not None
            return row.state


@asynccontextmanager
async def _people(cluster: Cluster, settings: Settings) -> AsyncIterator[People]:
    db = Database(cluster.database_url)
    board = RedisDirectory(cluster.redis_url)
    try:
        host = await add_user(db, email="gov@example.ru", login="gov", roles=[Role.HOST])
        moderator = await add_user(db, email="mod@example.ru", login="mod", roles=[Role.MODERATOR])
        organizer = await add_user(db, email="org@example.ru", login="org", roles=[Role.ORGANIZER])
        citizens = [
            await add_user(db, email=f"c{n}@example.ru", roles=[Role.CITIZEN], surname=f"C{n}")
            for n in range(3)
        ]
        deps = ReceptionsDeps(db, Clock(), None, settings.public_url, board=board)
        now = datetime.now(UTC)
        plan = Plan(
            title="Прием губернатора",
            description="",
            starts_at=now + timedelta(minutes=30),
            ends_at=now + timedelta(minutes=90),
            capacity=15,
            host_id=host.id,
            moderator_id=moderator.id,
        )
        reception = await receptions.create(deps, organizer, plan)
        await receptions.start(deps, reception.id, host)
        key = settings.secrets.token_key
        assert key is not None
        yield People(reception.id, host, moderator, citizens, db, key.get_secret_value())
    finally:
        await board.close()
        await db.close()


@dataclass
class Reception:
    """The reception in full swing: every page joined, every moderator decision taken."""

    people: People
    moderator: Page
    host: Page
    speaker: Page
    """A citizen given the floor, muted (audio), turned down and limited."""
    listener: Page
    """A citizen on hold."""
    removed_token: str
    """The session token of the citizen the moderator removed."""

    @property
    def pages(self) -> list[Page]:
        return [self.moderator, self.host, self.speaker, self.listener]

    def id_of(self, page: Page) -> str:
        return str(page.snapshot["you"])


async def _in_full_swing(people: People, url: str, settings: Settings) -> Reception:
    rtc = settings.rtc
    c0, c1, c2 = people.citizens
    moderator = Page(url, people.token(people.moderator, ConferenceRole.MODERATOR), rtc, luma=None)
    host = Page(url, people.token(people.host, ConferenceRole.HOST), rtc, luma=200)
    speaker = Page(url, people.token(c0, ConferenceRole.CITIZEN), rtc, luma=90)
    listener = Page(url, people.token(c1, ConferenceRole.CITIZEN), rtc, luma=None)
    for page in (moderator, host, speaker, listener):
        assert (await page.open())["ok"]
    removed = Client(socketio.AsyncClient(reconnection=False))
    await removed.sio.connect(
        url, namespaces=["/reception"], transports=["websocket"], wait_timeout=5
    )
    removed_token = (await removed.join(people.token(c2, ConferenceRole.CITIZEN)))["session_token"]

    async def command(event: str, **payload: object) -> None:
        ack = await moderator.client.call(event, payload)
        assert ack["ok"], (event, ack)

    sid = str(c0.id)
    await command("set_floor", participant_id=sid, on_air=True)
    await command("mute", participant_id=sid, kind="audio", muted=True)
    await command("set_mic_level", participant_id=sid, gain_db=-6.0)
    await command("limit_bandwidth", participant_id=sid, kbps=300)
    await command("hold", participant_id=str(c1.id), held=True)
    await command("set_layout", layout="grid")
    await command("remove_participant", participant_id=str(c2.id))
    await removed.sio.disconnect()
    return Reception(people, moderator, host, speaker, listener, removed_token)


async def _media_flows(reception: Reception, since: float, timeout: float) -> float:
    """Wait until every page that should see someone does on its current connections;
    returns when (`time.monotonic`)."""
    host, speaker = reception.id_of(reception.host), reception.id_of(reception.speaker)
    expected = [
        (reception.moderator, host),
        (reception.moderator, speaker),
        (reception.speaker, host),
        (reception.host, speaker),
    ]

    def flowing() -> bool:
        return all(
            page.joins[-1] > since and page.frames_of(publisher) > 0 for page, publisher in expected
        )

    await wait_until(flowing, timeout=timeout, interval=0.02, message="media on every page")
    return time.monotonic()


def _assert_kept(reception: Reception) -> None:
    """Everyone's role and every decision, as the moderator's fresh snapshot shows them."""
    snapshot = reception.moderator.snapshot
    people = {p["id"]: p for p in snapshot["participants"]}
    speaker = people[reception.id_of(reception.speaker)]
    listener = people[reception.id_of(reception.listener)]
    assert snapshot["default_layout"] == "grid"
    assert speaker["on_air"] is True
    assert speaker["moderator_muted"] == {"audio": True, "video": False}
    assert speaker["gain_db"] == -6.0
    assert speaker["bandwidth_kbps"] == 300
    assert listener["held"] is True
    assert listener["on_air"] is False
    roles = {p["id"]: p["role"] for p in snapshot["participants"]}
    assert roles == {
        reception.id_of(reception.moderator): "moderator",
        reception.id_of(reception.host): "host",
        reception.id_of(reception.speaker): "citizen",
        reception.id_of(reception.listener): "citizen",
    }
    assert str(reception.people.citizens[2].id) not in people  # removed
    for page in reception.pages:
        assert page.snapshot["role"] == roles[page.snapshot["you"]]


async def _assert_decisions_enforced(reception: Reception) -> None:
    """The router follows the restored room: the held citizen receives nothing, and the
    speaker's microphone, muted by the moderator, reaches nobody (the host's does)."""
    host, speaker = reception.id_of(reception.host), reception.id_of(reception.speaker)
    await wait_until(
        lambda: reception.moderator.frames_of(host, "audio") > 0, message="the host heard"
    )
    assert reception.moderator.frames_of(speaker, "audio") == 0
    assert reception.listener.frames_of(host) == reception.listener.frames_of(speaker) == 0


async def _refused_as_banned(url: str, token: str) -> None:
    client = Client(socketio.AsyncClient(reconnection=False))
    await client.sio.connect(
        url, namespaces=["/reception"], transports=["websocket"], wait_timeout=5
    )
    try:
        ack = await client.join(token)
        assert ack["ok"] is False
        assert ack["error"]["code"] == "banned", ack
    finally:
        await client.sio.disconnect()


async def _database_settled(
    people: People,
) -> tuple[list[tuple[str, int | None]], dict[int, tuple[str, bool]]]:
    """Wait for the conference's events to reach the portal's database, and read it."""
    c2 = people.citizens[2].id

    async def written() -> bool:
        moderated = [a for a, _ in await people.actions() if a in {*COMMANDS, "remove"}]
        attendance = await people.attendance()
        return moderated == [*COMMANDS, "remove"] and attendance.get(c2, ("", False))[1]

    await wait_until(written, timeout=5, message="the moderation log in the database")
    return await people.actions(), await people.attendance()


async def test_a_node_killed_and_started_again_gives_every_page_its_place_back(
    tmp_path: Path, redis_url: str, database_url: str
) -> None:
    cluster = Cluster(tmp_path, redis_url, database_url)
    node = cluster.start("n1")
    pages: list[Page] = []
    try:
        await node.ready()
        async with _people(cluster, node.settings) as people:
            reception = await _in_full_swing(people, node.url, node.settings)
            pages = reception.pages
            await _media_flows(reception, 0.0, timeout=10)
            actions, attendance = await _database_settled(people)

            node.kill()
            node.stop()
            node = cluster.start("n1")
            answered = await node.ready()

            joined = [await page.joined_after(answered, timeout=BACK_WITHIN_S) for page in pages]
            rejoined_at = max(page.joins[-1] for page in pages)
            media_at = await _media_flows(reception, answered, timeout=BACK_WITHIN_S)
            print(
                f"node answered -> every page joined {rejoined_at - answered:.2f} s, "
                f"media on every page {media_at - answered:.2f} s"
            )
            assert media_at - answered <= BACK_WITHIN_S
            assert all(ack["ok"] for ack in joined)
            _assert_kept(reception)
            await _assert_decisions_enforced(reception)
            await _refused_as_banned(node.url, reception.removed_token)

            assert await people.state() == "live"
            after = await people.actions()
            assert after[: len(actions)] == actions  # nothing lost, nothing rewritten
            assert await people.attendance() == attendance
    finally:
        for page in pages:
            await page.close()
        node.stop()


async def test_a_second_node_takes_over_a_reception_whose_node_does_not_come_back(
    tmp_path: Path, redis_url: str, database_url: str
) -> None:
    cluster = Cluster(tmp_path, redis_url, database_url)
    first = cluster.start("a")
    second: LocalNode | None = None
    balancer: Balancer | None = None
    pages: list[Page] = []
    try:
        await first.ready()
        second = cluster.start("b")  # after the first has migrated the database
        await second.ready()
        balancer = Balancer([first.settings.server.port, second.settings.server.port])
        url = await balancer.start()
        async with _people(cluster, first.settings) as people:
            reception = await _in_full_swing(people, url, first.settings)
            pages = reception.pages
            await _media_flows(reception, 0.0, timeout=10)
            await _database_settled(people)

            first.kill()
            killed = time.monotonic()
            # Node b refuses (`wrong_node`) until a's claim expires, then takes the room.
            within = CLAIM_TTL_S + BACK_WITHIN_S
            for page in pages:
                await page.joined_after(killed, timeout=within)
            media_at = await _media_flows(reception, killed, timeout=within)
            print(f"node killed -> media on every page from node b {media_at - killed:.2f} s")
            owner = RedisDirectory(cluster.redis_url)
            try:  # b claims the reception now: a's claim expired
                claimed = await owner.claim(str(people.reception_id), "nobody")
            finally:
                await owner.close()
            assert claimed == stable_node_id(second.settings.server.port)
            _assert_kept(reception)
            await _assert_decisions_enforced(reception)
            await _refused_as_banned(url, reception.removed_token)
            assert await people.state() == "live"
    finally:
        for page in pages:
            await page.close()
        if balancer is not None:
            await balancer.close()
        first.stop()
        if second is not None:
            second.stop()
