"""A recorded reception composed after its end: the host and two citizens on air in turn
(one citizen twice, one turned down by 20 dB halfway), from really encoded VP8 and Opus
logged as the SFU logs them. The composed mp4 is probed and decoded: its streams, its
length, moov first, who is large when, and the loudness of each stretch."""

from __future__ import annotations

import asyncio
import json
import math
import shutil
import struct
from array import array
from pathlib import Path
from typing import Any

import av
import pytest

from recorder.compose import compose_reception
from recorder.layout import STRIP_HEIGHT, strip
from tests.integration.recorder.synthetic import Sender, write_audio, write_video
from transcoder.jobs import JobCancelled, JobContext

pytestmark = pytest.mark.timeout(60)

T0 = 1_764_560_000.0
END = 12.5
HOST = Sender("h", (81, 90, 240), None)  # red, silent
CITIZEN_A = Sender("a", (145, 54, 34), 440.0)  # green
CITIZEN_B = Sender("b", (41, 240, 110), 440.0)  # blue
ON_AIR = {
    "h": [(-1.0, END)],
    "a": [(2.0, 5.0), (10.5, END)],
    "b": [(6.0, 10.0)],
}
KEY_FRAME_WAIT = 0.05
"""The first packets of a stretch come this long after the floor is given."""


def _events() -> list[dict[str, Any]]:
    def ev(kind: str, at: float, **fields: Any) -> dict[str, Any]:
        return {"kind": kind, "reception_id": "12", "at": T0 + at, **fields}

    def floor(at: float, user: str, value: bool) -> list[dict[str, Any]]:
        detail = {"on_air": value}
        return [
            ev("moderated", at - 0.01, actor_id="m1", action="set_floor", user_id=user,
               detail=detail),
            ev("on_air", at, user_id=user, detail=detail),
        ]  # fmt: skip

    return [
        ev("joined", -1.0, user_id="h", role="host", detail={"name": "Глава района"}),
        ev("joined", 0.0, user_id="m1", role="moderator"),
        ev("live", 0.0),
        ev("joined", 0.5, user_id="a", role="citizen", detail={"name": "Иванов Иван"}),
        ev("joined", 0.6, user_id="b", role="citizen"),
        *floor(2.0, "a", True),
        *floor(5.0, "a", False),
        *floor(6.0, "b", True),
        ev("moderated", 8.0, actor_id="m1", action="set_mic_level", user_id="b",
           detail={"gain_db": -20.0}),
        *floor(10.0, "b", False),
        *floor(10.5, "a", True),
        ev("moderated", END, actor_id="m1", action="end_conference"),
        ev("ended", END),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("recordings") / "12"
    tracks = folder / "tracks"
    tracks.mkdir(parents=True)
    number = 0
    for sender in (HOST, CITIZEN_A, CITIZEN_B):
        stretches = [
            (T0 + a + (KEY_FRAME_WAIT if a > 0 else 0), T0 + b)
            for a, b in ON_AIR[sender.participant_id]
        ]
        started = T0 + ON_AIR[sender.participant_id][0][0] - 0.5
        for kind, write in (("audio", write_audio), ("video", write_video)):
            number += 1
            write(tracks / f"{number:03d}-{sender.participant_id}-{kind}.track", sender, started,
                  stretches)  # fmt: skip
    lines = [json.dumps(e, ensure_ascii=False) for e in _events()]
    (folder / "timeline.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def composed(recorded: Path) -> tuple[dict[str, Any], list[float]]:
    reports: list[float] = []

    async def sink(fraction: float, note: str) -> None:
        reports.append(fraction)

    async def run() -> dict[str, Any]:
        context = JobContext("compose-12", sink=sink, min_interval_s=0.0, min_step=0.0)
        return await compose_reception({"folder": str(recorded), "threads": 2}, context)

    return asyncio.run(run()), reports


def _top_level_boxes(path: Path) -> list[str]:
    boxes = []
    data = path.read_bytes()
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        boxes.append(kind.decode("latin-1"))
        if size < 8:
            break
        offset += size
    return boxes


def _audio(path: Path) -> array[int]:
    """The whole soundtrack, mono s16 at 48 kHz."""
    samples: array[int] = array("h")
    resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                samples.frombytes(bytes(out.planes[0])[: out.samples * 2])
    return samples


def _db(samples: array[int], start: float, end: float) -> float:
    part = samples[int(start * 48000) : int(end * 48000)]
    rms = math.sqrt(sum(s * s for s in part) / len(part)) / 32768
    return 20 * math.log10(max(rms, 1e-9))


def _frames_at(path: Path, moments: list[float]) -> dict[float, av.VideoFrame]:
    found: dict[float, av.VideoFrame] = {}
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            t = float(frame.time)
            for moment in moments:
                if moment not in found and t >= moment:
                    found[moment] = frame.reformat(format="yuv420p")
    return found


def _mean_yuv(frame: av.VideoFrame, x: int, y: int, w: int, h: int) -> tuple[float, ...]:
    """The mean Y, U, V over the middle half of a rectangle."""
    x, y, w, h = x + w // 4, y + h // 4, w // 2, h // 2
    means = []
    for index, plane in enumerate(frame.planes):
        scale = 1 if index == 0 else 2
        data = bytes(plane)
        stride = plane.line_size
        total = count = 0
        for row in range(y // scale, (y + h) // scale):
            line = data[row * stride + x // scale : row * stride + (x + w) // scale]
            total += sum(line)
            count += len(line)
        means.append(total / count)
    return tuple(means)


def _close(measured: tuple[float, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 12 for a, b in zip(measured, colour, strict=True))


def test_the_composed_mp4_is_h264_and_aac_as_long_as_the_reception_moov_first(
    recorded: Path, composed: tuple[dict[str, Any], list[float]]
) -> None:
    manifest, reports = composed
    out = recorded / "composed" / "reception.mp4"
    with av.open(str(out)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.codec_context.name == "h264"
        assert (video.width, video.height) == (1280, 720)
        assert audio.codec_context.name == "aac"
        duration = (container.duration or 0) / 1_000_000
    assert abs(duration - END) < 1.0
    boxes = _top_level_boxes(out)
    assert boxes.index("moov") < boxes.index("mdat")
    assert manifest["reception_id"] == "12"
    assert manifest["duration_s"] == pytest.approx(END, abs=0.01)
    first = manifest["files"][0]
    assert (first["name"], first["kind"], first["media"]) == (
        "reception.mp4",
        "composed",
        "audio+video",
    )
    assert first["bytes"] == out.stat().st_size
    assert abs(first["duration_s"] - END) < 1.0
    assert reports == sorted(reports)
    assert reports[-1] == 1.0
    assert not (recorded / "composed" / ".work").exists()


def test_audio_follows_the_floor_and_the_moderators_level(
    recorded: Path, composed: tuple[dict[str, Any], list[float]]
) -> None:
    samples = _audio(recorded / "composed" / "reception.mp4")
    citizen_a = _db(samples, 2.5, 4.8)
    assert citizen_a > -20  # the tone is there
    b_at_unity = _db(samples, 6.5, 7.8)
    b_turned_down = _db(samples, 8.3, 9.8)
    a_again = _db(samples, 11.0, 12.3)
    assert b_at_unity == pytest.approx(citizen_a, abs=1.0)
    assert b_turned_down - b_at_unity == pytest.approx(-20.0, abs=2.0)
    # the same producer back on air after 5.5 s off: the gap kept its real length
    assert a_again == pytest.approx(citizen_a, abs=1.0)
    for off_air in ((0.3, 1.9), (5.2, 5.9), (10.1, 10.4)):
        assert _db(samples, *off_air) < citizen_a - 40, off_air


def test_the_speaker_is_large_and_the_host_always_present(
    recorded: Path, composed: tuple[dict[str, Any], list[float]]
) -> None:
    frames = _frames_at(recorded / "composed" / "reception.mp4", [1.0, 3.5, 5.5, 8.0, 11.5])
    large = (160, 0, 960, 720 - STRIP_HEIGHT)
    (host_tile,) = strip(1)
    strip_area = (host_tile.x, host_tile.y, host_tile.w, host_tile.h)
    for moment, speaker in ((3.5, CITIZEN_A), (8.0, CITIZEN_B), (11.5, CITIZEN_A)):
        assert _close(_mean_yuv(frames[moment], *large), speaker.colour), moment
        assert _close(_mean_yuv(frames[moment], *strip_area), HOST.colour), moment
    for moment in (1.0, 5.5):  # the host alone fills the picture
        assert _close(_mean_yuv(frames[moment], 0, 0, 1280, 720), HOST.colour), moment


def test_each_participant_has_a_file_of_their_own_without_re_encoding(
    recorded: Path, composed: tuple[dict[str, Any], list[float]]
) -> None:
    manifest, _ = composed
    files = {f["participant_id"]: f for f in manifest["files"] if f["kind"] == "participant"}
    assert set(files) == {"h", "a", "b"}
    assert files["a"]["name"] == "participants/a-1.webm"
    assert files["a"]["participant_name"] == "Иванов Иван"
    assert files["b"]["participant_name"] is None
    assert files["h"]["role"] == "host"
    for entry in files.values():
        assert entry["media"] == "audio+video"
        path = recorded / "composed" / entry["name"]
        assert entry["bytes"] == path.stat().st_size
        with av.open(str(path)) as container:
            codecs = {s.codec_context.name for s in container.streams}
            assert codecs == {"vp8", "opus"}
            decoded = sum(1 for _ in container.decode(video=0))
        assert decoded > 0
    # a's file runs from its first stretch to the end of its second, the gap kept
    assert files["a"]["duration_s"] == pytest.approx(END - 2.0 - KEY_FRAME_WAIT, abs=0.3)
    assert files["b"]["duration_s"] == pytest.approx(4.0 - KEY_FRAME_WAIT, abs=0.3)
    on_disk = json.loads((recorded / "composed" / "manifest.json").read_text("utf-8"))
    assert on_disk == manifest


async def test_a_cancelled_composition_leaves_no_file_under_a_final_name(
    recorded: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "12"
    shutil.copytree(recorded, folder, ignore=shutil.ignore_patterns("composed"))
    rendering = asyncio.Event()

    async def sink(fraction: float, note: str) -> None:
        if fraction > 0.2:
            rendering.set()

    context = JobContext("compose-12", sink=sink, min_interval_s=0.0, min_step=0.0)
    job = asyncio.ensure_future(compose_reception({"folder": str(folder)}, context))
    await asyncio.wait_for(rendering.wait(), timeout=30)
    context.cancelled.set()
    with pytest.raises(JobCancelled):
        await job
    assert list((folder / "composed").iterdir()) == []


async def test_an_h264_sender_is_composed_and_exported_as_mp4(tmp_path: Path) -> None:
    folder = tmp_path / "13"
    (folder / "tracks").mkdir(parents=True)
    stretch = [(T0, T0 + 3.0)]
    write_video(folder / "tracks" / "001-h-video.track", HOST, T0, stretch, codec="video/H264")
    speaking_host = Sender("h", HOST.colour, 440.0)
    write_audio(folder / "tracks" / "002-h-audio.track", speaking_host, T0, stretch)
    events = [
        {"kind": "joined", "reception_id": "13", "at": T0, "user_id": "h", "role": "host"},
        {"kind": "live", "reception_id": "13", "at": T0},
        {"kind": "ended", "reception_id": "13", "at": T0 + 3.0},
    ]
    lines = [json.dumps(e) for e in events]
    (folder / "timeline.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    manifest = await compose_reception({"folder": str(folder)}, JobContext("compose-13"))
    (composed, participant) = manifest["files"]
    assert participant["name"] == "participants/h-1.mp4"
    with av.open(str(folder / "composed" / participant["name"])) as container:
        assert {s.codec_context.name for s in container.streams} == {"h264", "opus"}
    frames = _frames_at(folder / "composed" / composed["name"], [1.5])
    assert _close(_mean_yuv(frames[1.5], 0, 0, 1280, 720), HOST.colour)
    samples = _audio(folder / "composed" / composed["name"])
    assert _db(samples, 0.5, 2.5) == pytest.approx(20 * math.log10(0.25 / math.sqrt(2)), abs=1.5)


async def test_a_picture_that_changes_size_keeps_the_sound_going(tmp_path: Path) -> None:
    """A browser changes its resolution with its bandwidth (or the moderator's limit):
    ffmpeg would rebuild the whole graph at the new size, losing the mix's state."""
    folder = tmp_path / "14"
    (folder / "tracks").mkdir(parents=True)
    stretch = [(T0, T0 + 6.0)]
    speaking_host = Sender("h", HOST.colour, 440.0)
    write_video(folder / "tracks" / "001-h-video.track", HOST, T0, stretch, resized_at=T0 + 3)
    write_audio(folder / "tracks" / "002-h-audio.track", speaking_host, T0, stretch)
    events = [
        {"kind": "joined", "reception_id": "14", "at": T0, "user_id": "h", "role": "host"},
        {"kind": "live", "reception_id": "14", "at": T0},
        {"kind": "ended", "reception_id": "14", "at": T0 + 6.0},
    ]
    lines = [json.dumps(e) for e in events]
    (folder / "timeline.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    await compose_reception({"folder": str(folder)}, JobContext("compose-14"))
    out = folder / "composed" / "reception.mp4"
    samples = _audio(out)
    before, after = _db(samples, 0.5, 2.8), _db(samples, 3.3, 5.8)
    assert after == pytest.approx(before, abs=1.0)
    frames = _frames_at(out, [2.0, 4.5])
    for moment in (2.0, 4.5):
        assert _close(_mean_yuv(frames[moment], 0, 0, 1280, 720), HOST.colour), moment
