"""A reception's recording published and watched, in real Chromium: its moderator goes
«Подробнее» → «Редактировать», picks the edited mp4 in «Выберите файл» and presses
«Сохранить»; the page shows the conversion waiting, still after a reload, then moves by
itself to «Опубликовано»; a signed-in citizen finds it in «Записи приемов» and the
player's <video> plays the webm (time advances, frames are decoded) with its chapters.
axe-core finds no serious accessibility violation on the three pages.

The conversion is real (the app's job queue, ffmpeg); to see it under way on a 3 s clip,
the queue's one worker slot is first taken by a job the test lets go of."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from config import Settings
from portal.adapters.appeals_orm import Appeal
from portal.adapters.db import Database
from portal.adapters.receptions_orm import Reception, Seat
from portal.domain.roles import Role
from portal.http.recordings_request import FILES, JOBS
from tests.e2e.portal.accounts_helpers import make_complete_citizen, make_user, sign_in
from tests.e2e.portal.test_accessibility import _violations
from tests.integration.portal.appeals.conftest import add_reference
from tests.integration.portal.recordings.conftest import make_mp4
from transcoder.jobs import JobContext

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
VIEW = {"width": 1280, "height": 900}
TITLE = "Прием граждан по вопросам ЖКХ"


async def _ended_reception(settings: Settings) -> tuple[int, int, str]:
    """(reception, the citizen's user id, their appeal's number): an ended reception the
    moderator ran and the citizen took part in."""
    moderator = await make_user(
        settings, login="moderator", roles=[Role.MODERATOR.value], surname="Модераторов"
    )
    host = await make_user(
        settings, login="governor", roles=[Role.HOST.value], surname="Губернатор"
    )
    citizen = await make_complete_citizen(settings)
    db = Database(settings.database_url)
    try:
        refs = await add_reference(db)
        starts = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
        async with db.session() as session, session.begin():
            reception = Reception(
                title=TITLE,
                description="",
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                capacity=15,
                seats_taken=0,
                host_id=host.id,
                moderator_id=moderator.id,
                state="ended",
                created_at=starts - timedelta(days=3),
                live_at=starts,
                ended_at=starts + timedelta(hours=1),
            )
            appeal = Appeal(
                number="2026-000042",
                citizen_id=citizen.id,
                topic_id=refs.topic,
                municipality_id=refs.municipality,
                title="Нет горячей воды",
                text="Текст",
                status="held",
                deadline_at=starts + timedelta(days=30),
                consent_at=starts,
            )
            session.add_all([reception, appeal])
            await session.flush()
            session.add(Seat(reception_id=reception.id, appeal_id=appeal.id, state="attended"))
    finally:
        await db.close()
    return reception.id, citizen.id, appeal.number


def _timeline(app: web.Application, reception: int, citizen: int) -> None:
    """The citizen on air from 0.5 s to 2.5 s of the recording."""
    t0 = 1_700_000_000.0
    events = [
        {"kind": "live", "reception_id": str(reception), "at": t0},
        {"kind": "on_air", "at": t0 + 0.5, "user_id": str(citizen), "role": "citizen",
         "detail": {"on_air": True}},
        {"kind": "on_air", "at": t0 + 2.5, "user_id": str(citizen), "role": "citizen",
         "detail": {"on_air": False}},
        {"kind": "ended", "at": t0 + 3},
    ]  # fmt: skip
    folder = app[FILES].folder(reception)
    folder.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(e) + "\n" for e in events)
    (folder / "timeline.jsonl").write_text(lines, encoding="utf-8")


async def _hold_the_worker(app: web.Application) -> asyncio.Event:
    """Take the queue's only worker slot until the returned event is set."""
    release = asyncio.Event()
    started = asyncio.Event()

    async def hold(params: dict[str, Any], context: JobContext) -> dict[str, Any]:
        started.set()
        await release.wait()
        return {}

    jobs = app[JOBS]
    jobs.register("test_hold", hold)  # type: ignore[attr-defined]
    await jobs.submit("test_hold", {}, job_id="test-hold")
    await asyncio.wait_for(started.wait(), 10)
    return release


async def test_a_recording_is_uploaded_converted_published_and_played(
    live_node: tuple[str, web.Application],
    settings: Settings,
    browser: Any,
    artifacts: Path,
    tmp_path: Path,
) -> None:
    base, app = live_node
    reception, citizen_id, number = await _ended_reception(settings)
    _timeline(app, reception, citizen_id)
    clip = make_mp4(tmp_path / "priem-edited.mp4", seconds=3)
    shot = 0

    async def screenshot(page: Any, name: str) -> None:
        nonlocal shot
        shot += 1
        await page.screenshot(path=str(artifacts / f"{shot:02d}-{name}.png"), full_page=True)

    release = await _hold_the_worker(app)
    staff = await browser.new_page(viewport=VIEW, locale="ru-RU")
    await sign_in(staff, base, "moderator", staff=True)
    await staff.goto(f"{base}/receptions/{reception}")
    await staff.click("a:has-text('Редактировать')")
    await staff.wait_for_selector("h2:has-text('Доступные записи')")
    await staff.set_input_files("input[type=file]#recording-file", str(clip))
    await screenshot(staff, "file-chosen")
    await staff.click("button:has-text('Сохранить')")
    label = staff.locator("#publication [data-role=label]")
    await staff.wait_for_selector("text=Идет преобразование в формат webm")
    assert await label.inner_text() == "Преобразование в webm"
    assert await staff.locator("#publication progress").is_visible()
    await screenshot(staff, "converting")

    await staff.reload()
    assert await label.inner_text() == "Преобразование в webm"
    assert await staff.locator("#publication [data-role=percent]").inner_text() == "0 %"
    await screenshot(staff, "converting-after-reload")

    # From here the page must change by itself: a reload would lose this mark.
    await staff.evaluate("window.samePage = true")
    release.set()
    await staff.wait_for_selector(
        "#publication [data-role=label]:text-is('Опубликовано')", timeout=60_000
    )
    assert await staff.evaluate("window.samePage === true")
    assert not await staff.locator("#publication progress").is_visible()
    assert await staff.locator("#publication a:has-text('Смотреть запись приема')").is_visible()
    await screenshot(staff, "published")
    assert await _violations(staff, staff.url.split("#")[0]) == [], "axe on «Доступные записи»"

    viewer = await browser.new_page(viewport=VIEW, locale="ru-RU")
    await sign_in(viewer, base, "anna@example.ru")
    await viewer.click("nav a:has-text('Записи приемов')")
    await viewer.click(f"a:has-text('{TITLE}')")
    await viewer.wait_for_selector("video#recording-player")
    player_url = viewer.url
    assert await _violations(viewer, f"{base}/recordings?q=ЖКХ") == [], "axe on the archive"
    assert await _violations(viewer, player_url) == [], "axe on the player"
    chapter = f"Соколова А. — обращение № {number}: Жилищно-коммунальное хозяйство"
    assert await viewer.locator("ol.chapters li").inner_text() == f"0:00:00 {chapter}"
    played = await viewer.evaluate(
        """async () => {
          const video = document.getElementById("recording-player");
          const track = video.textTracks[0];
          track.mode = "hidden";
          const decoded = new Promise((resolve) =>
            video.requestVideoFrameCallback((now, meta) => resolve(meta.presentedFrames)));
          video.muted = true;
          await video.play();
          const frames = await decoded;
          const started = video.currentTime;
          await new Promise((resolve) => setTimeout(resolve, 800));
          while (!track.cues || track.cues.length === 0) {
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          return {
            source: video.currentSrc,
            frames,
            started,
            now: video.currentTime,
            quality: video.getVideoPlaybackQuality().totalVideoFrames,
            width: video.videoWidth,
            cue: [track.cues[0].startTime, track.cues[0].endTime, track.cues[0].text],
          };
        }"""
    )
    await screenshot(viewer, "playing")
    assert played["source"].endswith("/video.webm"), played
    assert played["frames"] >= 1, played
    assert played["quality"] >= 1, played
    assert played["now"] > played["started"], played
    assert played["width"] == 320, played
    assert played["cue"] == [0.5, 2.5, chapter], played
