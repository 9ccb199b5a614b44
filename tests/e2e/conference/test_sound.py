"""The moderator's microphone level, heard at a listener in real Chromium.

The host's fake microphone plays a steady 400 Hz tone (raw: no echo cancellation, gain
control or noise suppression). The observer's page taps an AnalyserNode after the host's
GainNode and one after the master «Звук» node; the RMS over the analyser's window (~0.7 s)
must follow the level the moderator sets in the console, up as well as down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conference.conftest import Person, control
from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

# What a publisher asks for when it measures sound: the tone exactly as the file has it.
RAW_MICROPHONE = """
const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = (constraints) => {
  if (constraints?.audio) {
    const audio = constraints.audio === true ? {} : constraints.audio;
    const raw = { echoCancellation: false, autoGainControl: false, noiseSuppression: false };
    constraints = { ...constraints, audio: { ...audio, ...raw } };
  }
  return original(constraints);
};
"""

# Analysers after the speaker's gain and after the master gain, kept on the page.
TAP = """(participantId) => {
  const sound = window.conference.sound;
  const route = [...sound.routes.values()].find((r) => r.participantId === participantId);
  const tap = (node) => {
    const analyser = new AnalyserNode(sound.context, { fftSize: 32768 });
    node.connect(analyser);
    return analyser;
  };
  window.soundTaps = { speaker: tap(route.gain), master: tap(sound.master) };
  return 32768 / sound.context.sampleRate;
}"""

RMS = """(name) => {
  const analyser = window.soundTaps[name];
  const samples = new Float32Array(analyser.fftSize);
  analyser.getFloatTimeDomainData(samples);
  return Math.sqrt(samples.reduce((sum, v) => sum + v * v, 0) / samples.length);
}"""

# Once the host's track is routed: the context's state and whether the page asks for a click.
BLOCKED_SOUND = """(() => {
  const sound = window.conference?.sound;
  const routed = [...(sound?.routes.values() ?? [])].some((r) => r.participantId === "host");
  if (!routed) return null;
  const unlock = document.getElementById("sound-unlock");
  return { context: sound.context.state, unlock_shown: !unlock.hidden };
})()"""

SET_LEVEL = """(range, db) => {
  range.value = String(db);
  range.dispatchEvent(new Event("change", { bubbles: true }));
}"""


@pytest.fixture
def browser(tone_browser: Any) -> Any:
    """Every page of this module hears the tone from its fake microphone."""
    return tone_browser


@pytest.fixture
async def cast(open_person: Callable[..., Any]) -> dict[str, Person]:
    moderator = await open_person("moderator")
    await moderator.wait_body("ready", "true")
    host = await open_person("host", init_script=RAW_MICROPHONE)
    await host.wait_body("ready", "true")
    observer = await open_person("observer")
    return {"moderator": moderator, "host": host, "observer": observer}


async def evaluate_without_gesture(session: Any, expression: str) -> Any:
    answer = await session.send(
        "Runtime.evaluate", {"expression": expression, "returnByValue": True}
    )
    return answer["result"].get("value")


async def rms(person: Person, tap: str) -> float:
    return float(await person.page.evaluate(RMS, tap))


async def heard_at(moderator: Person, listener: Person, gain_db: int, window_s: float) -> float:
    """The moderator sets the host's level in the console; the listener's RMS once settled."""
    await (await control(moderator, "host", "set_mic_level")).evaluate(SET_LEVEL, gain_db)
    await wait_until(
        lambda: listener.page.evaluate(
            "(db) => window.conference.state.participants.get('host').gain_db === db", gain_db
        ),
        timeout=5,
        interval=0.05,
        message=f"the listener learns the host's level {gain_db} dB",
    )
    # The glide (~0.1 s) done, the analyser's whole window must hold the new level.
    await asyncio.sleep(window_s + 0.3)
    return await rms(listener, "speaker")


async def test_moderator_level_raises_and_lowers_what_a_listener_hears(
    cast: dict[str, Person], artifacts: Path
) -> None:
    moderator, host, observer = cast["moderator"], cast["host"], cast["observer"]
    settings = await host.page.evaluate("window.conference.local.track('audio').getSettings()")
    assert settings["echoCancellation"] is False
    assert settings["autoGainControl"] is False
    assert settings["noiseSuppression"] is False

    # The host's sound reaches the observer, who must click once before anything is heard.
    # Read without a gesture: Playwright's own evaluate would count as one.
    without_gesture = await observer.page.context.new_cdp_session(observer.page)
    blocked = await wait_until(
        lambda: evaluate_without_gesture(without_gesture, BLOCKED_SOUND),
        timeout=15,
        interval=0.1,
        message="the observer receives the host's audio track",
    )
    assert blocked == {"context": "suspended", "unlock_shown": True}
    await observer.page.screenshot(path=str(artifacts / "sound-blocked.png"))
    await observer.page.click("#sound-unlock")
    await observer.page.wait_for_selector("#sound-unlock", state="hidden", timeout=5000)
    assert await observer.page.evaluate("window.conference.sound.context.state") == "running"

    window_s = float(await observer.page.evaluate(TAP, "host"))
    await wait_until(
        lambda: rms(observer, "speaker"),
        timeout=10,
        interval=0.1,
        message="the tone at the observer",
    )
    await asyncio.sleep(window_s)

    unity = await heard_at(moderator, observer, 0, window_s)
    louder = await heard_at(moderator, observer, 12, window_s)
    quieter = await heard_at(moderator, observer, -12, window_s)
    print(f"RMS over {window_s:.2f} s: 0 dB {unity:.4f}, +12 dB {louder:.4f}, -12 dB {quieter:.4f}")
    # A 0.1-peak sine has an RMS of 0.0707; Opus and the jitter buffer keep it near that.
    assert 0.035 < unity < 0.11
    assert 3.2 < louder / unity < 4.8  # +12 dB is ×3.98
    assert 0.2 < quieter / unity < 0.3  # −12 dB is ×0.251
    assert (
        "-12 дБ"
        in await (await control(moderator, "host", "set_mic_level"))
        .locator("xpath=following-sibling::output")
        .inner_text()
    )

    # «Звук» off silences everything after the speakers' gains; on again, it is back.
    await observer.page.click("#toggle-sound")
    await asyncio.sleep(window_s + 0.3)
    assert await rms(observer, "master") < 1e-4
    assert await rms(observer, "speaker") > 0.005
    await observer.page.click("#toggle-sound")
    await asyncio.sleep(window_s + 0.3)
    assert await rms(observer, "master") > 0.005
