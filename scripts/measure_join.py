"""Join and floor latency of the live conference, in headless Chromium on loopback.

    .venv/bin/python scripts/measure_join.py [--runs N] [--json] [--portal]

Starts a node (the real application factory, media role, development page on) on
127.0.0.1, opens a demo reception, and drives Chromium with fake camera and microphone:

1. join: from starting to load a citizen's conference page (the moment after pressing
   «Присоединиться к приему») to the first video frame of the host decoded by that page;
2. floor: from the moderator pressing «Включить видео и звук» for citizen A to the first
   frame of A decoded by citizen B.

With `--portal` the node runs the portal too and the reception is a real one, planned in
the portal with a confirmed citizen and started: the host and the moderator join from its
«Присоединиться к приему», and the join is timed from the citizen's click on «Присоединиться
к приему» on their appeal page (the portal mints the ticket, then the conference page
loads) to the host's first frame decoded there.

Frames are read from each page's RTCPeerConnection.getStats() (framesDecoded), polled every
few milliseconds. Targets: join under 1.5 s, floor under 0.5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web
from playwright.async_api import Browser, Page, async_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import load_settings  # noqa: E402
from config.secrets import with_secrets  # noqa: E402
from portal import migrate  # noqa: E402
from reception.app import create_app  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.portal_reception import PortalReception  # noqa: E402

POLL_S = 0.005
TIMEOUT_S = 20.0


async def start_node(data_dir: Path, portal: bool = False) -> tuple[web.AppRunner, str]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings = with_secrets(
        load_settings(
            environ={},
            overrides={
                "data_dir": str(data_dir),
                "server.roles": ["portal", "media"] if portal else ["media"],
                "server.development": True,
                "server.public_url": base,
                "rtc.host_addresses": ["127.0.0.1"],
                "logging.level": "WARNING",
            },
        )
    )
    if portal:
        await asyncio.to_thread(migrate.upgrade, settings.database_url)
    runner = web.AppRunner(create_app(settings), handle_signals=False, access_log=None)
    await runner.setup()
    await web.SockSite(runner, listener).start()
    return runner, base


async def demo_links(base: str) -> dict[str, str]:
    async with ClientSession() as http, http.get(f"{base}/dev/conference/links.json?new=1") as r:
        data = await r.json()
    return {link["user_id"]: f"{base}{link['url']}" for link in data["links"]}


async def frames(page: Page, participant_id: str) -> int:
    received = await page.evaluate("window.conference ? window.conference.received() : {}")
    return int(received.get(participant_id, {}).get("video", 0))


async def first_frame_after(page: Page, participant_id: str, baseline: int) -> float:
    """Wall-clock time (seconds since the epoch) when a new frame is first seen decoded."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if await frames(page, participant_id) > baseline:
            return time.time()
        await asyncio.sleep(POLL_S)
    raise TimeoutError(f"no frame of {participant_id} within {TIMEOUT_S} s")


async def open_page(browser: Browser, url: str) -> Page:
    context = await browser.new_context(viewport={"width": 1024, "height": 768})
    page = await context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    await page.goto(url)
    await page.wait_for_selector('body[data-ready="true"]', state="attached", timeout=20_000)
    return page


async def measure_join(
    browser: Browser, links: dict[str, str], runs: int, steps: list[dict[str, float]]
) -> list[float]:
    results = []
    for run in range(runs):
        citizen = f"citizen-{1 + run % 3}"
        context = await browser.new_context(viewport={"width": 1024, "height": 768})
        page = await context.new_page()
        started = time.time()
        await page.goto(links[citizen], wait_until="commit")
        decoded = await first_frame_after(page, "host", 0)
        results.append(decoded - started)
        steps.append(await page.evaluate(_STEPS))
        await page.evaluate("window.conference.signaling.call('leave')")
        await context.close()
    return results


async def measure_portal_join(
    browser: Browser, reception: PortalReception, runs: int, steps: list[dict[str, float]]
) -> list[float]:
    """The citizen, signed in, presses «Присоединиться к приему» on the appeal page."""
    context = await browser.new_context(viewport={"width": 1024, "height": 768})
    page = await context.new_page()
    await reception.sign_in(page, reception.citizen_login)
    results = []
    for _ in range(runs):
        await page.goto(reception.appeal_url)
        button = page.get_by_text("Присоединиться к приему").first
        await button.wait_for()
        started = time.time()
        await button.click()
        decoded = await first_frame_after(page, reception.host_id, 0)
        results.append(decoded - started)
        steps.append(await page.evaluate(_STEPS))
        await page.evaluate("window.conference.signaling.call('leave')")
    await context.close()
    return results


async def measure_floor(
    moderator: Page, speaker: Page, listener: Page, speaker_id: str, runs: int
) -> list[float]:
    button = f'#participant-list li[data-id="{speaker_id}"] [data-action="set_floor"]'
    results = []
    for _ in range(runs):
        baseline = await frames(listener, speaker_id)
        # «Включить видео и звук», pressed inside the page so that the time taken is the
        # press itself, not the test driver's checks before a click.
        started = await moderator.evaluate(_PRESS, button) / 1000
        decoded = await first_frame_after(listener, speaker_id, baseline)
        results.append(decoded - started)
        await moderator.evaluate(_PRESS, button)  # back to listener
        await speaker.wait_for_selector('body[data-on-air="false"]', state="attached")
        await asyncio.sleep(1.0)
    return results


_STEPS = """() => Object.fromEntries([
  ["page_loaded", performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd],
  ...performance.getEntriesByType("mark").map((m) => [m.name.split(":")[1], m.startTime]),
].map(([name, ms]) => [name, Math.round(ms)]))"""
_PRESS = """(selector) => {
  const at = performance.timeOrigin + performance.now();
  document.querySelector(selector).click();
  return at;
}"""


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "runs": len(values),
        "median_s": round(statistics.median(values), 3),
        "min_s": round(min(values), 3),
        "max_s": round(max(values), 3),
        "all_s": [round(v, 3) for v in values],
    }


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--portal", action="store_true", help="join a real reception from the portal's pages"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        if args.portal:
            report = await _portal_report(Path(data_dir), args.runs)
            print(
                json.dumps(report)
                if args.json
                else "\n".join(f"{k}: {v}" for k, v in report.items())
            )
            return 0
        runner, base = await start_node(Path(data_dir))
        try:
            links = await demo_links(base)
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                moderator = await open_page(browser, links["moderator"])
                await open_page(browser, links["host"])
                await asyncio.sleep(1.0)  # the host's camera is flowing
                steps: list[dict[str, float]] = []
                join = await measure_join(browser, links, args.runs, steps)
                speaker = await open_page(browser, links["citizen-1"])
                listener = await open_page(browser, links["citizen-2"])
                floor = await measure_floor(moderator, speaker, listener, "citizen-1", args.runs)
                await browser.close()
        finally:
            await runner.cleanup()
    report = {
        "join_to_first_remote_frame": summary(join),
        "join_steps_ms": steps,
        "floor_to_first_frame_at_listener": summary(floor),
        "targets_s": {"join": 1.5, "floor": 0.5},
    }
    if args.json:
        print(json.dumps(report))
    else:
        for name, values in report.items():
            print(f"{name}: {values}")
    return 0


async def _portal_report(data_dir: Path, runs: int) -> dict[str, Any]:
    runner, base = await start_node(data_dir, portal=True)
    try:
        reception = await PortalReception.prepare(runner.app, base)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            for login in (reception.moderator_login, reception.host_login):
                context = await browser.new_context(viewport={"width": 1024, "height": 768})
                page = await context.new_page()
                await reception.sign_in(page, login, staff=True)
                await page.goto(f"{base}/receptions/{reception.reception_id}")
                await page.click("button:has-text('Присоединиться к приему')")
                await page.wait_for_selector(
                    'body[data-ready="true"]', state="attached", timeout=20_000
                )
            await asyncio.sleep(1.0)  # the host's camera is flowing
            steps: list[dict[str, float]] = []
            join = await measure_portal_join(browser, reception, runs, steps)
            await browser.close()
    finally:
        await runner.cleanup()
    return {
        "portal_join_to_first_remote_frame": summary(join),
        "join_steps_ms": steps,
        "targets_s": {"join": 1.5},
    }


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
