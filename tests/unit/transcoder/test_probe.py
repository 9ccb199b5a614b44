"""Probing real files made by the bundled ffmpeg, and refusing ones that only look like mp4."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.transcoder.helpers import make_media
from transcoder.probe import ISO_BMFF, NotMedia, probe, probe_mp4_with_video

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("probe")


@pytest.fixture(scope="module")
def mp4(media: Path) -> Path:
    """2 s of 320x240 at 25 fps with 48 kHz stereo; the index (moov) at the end."""
    return make_media(
        media / "clip.mp4",
        "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2",
        "-ac", "2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
    )  # fmt: skip


@pytest.fixture(scope="module")
def faststart(media: Path) -> Path:
    """The same with the index first, as web uploads usually are."""
    return make_media(
        media / "faststart.mp4",
        "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2",
        "-c:v", "libx264", "-preset", "ultrafast", "-movflags", "+faststart",
    )  # fmt: skip


def _cut(source: Path, target: Path, size: int) -> Path:
    target.write_bytes(source.read_bytes()[:size])
    return target


def test_probe_reads_container_duration_and_streams(mp4: Path) -> None:
    info = probe(mp4)
    assert info.format == ISO_BMFF
    assert info.duration_s == pytest.approx(2.0, abs=0.1)
    [video] = info.video
    assert (video.codec, video.width, video.height, video.fps) == ("h264", 320, 240, 25.0)
    [audio] = info.audio
    assert (audio.codec, audio.sample_rate, audio.channels) == ("aac", 48000, 2)


def test_probe_reads_other_containers(media: Path) -> None:
    wav = make_media(media / "tone.wav", "-f", "lavfi", "-i", "sine=duration=1")
    info = probe(wav)
    assert info.format == "wav"
    assert info.video == ()
    assert info.audio[0].codec == "pcm_s16le"


def test_complete_mp4_files_pass(mp4: Path, faststart: Path) -> None:
    assert probe_mp4_with_video(mp4).video[0].width == 320
    assert probe_mp4_with_video(faststart).duration_s == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize("which", ["mp4", "faststart"])
def test_a_file_cut_in_half_is_refused(which: str, request: pytest.FixtureRequest) -> None:
    source: Path = request.getfixturevalue(which)
    half = _cut(source, source.with_name(f"half-{source.name}"), source.stat().st_size // 2)
    with pytest.raises(NotMedia, match="half-"):
        probe_mp4_with_video(half)


def test_a_file_whose_index_is_cut_off_is_refused(mp4: Path) -> None:
    cut = _cut(mp4, mp4.with_name("moov-cut.mp4"), mp4.stat().st_size - 200)
    with pytest.raises(NotMedia, match=r"moov-cut\.mp4"):
        probe_mp4_with_video(cut)


def test_a_renamed_text_file_is_refused(media: Path) -> None:
    text = media / "letter.mp4"
    text.write_text("Dear official, this is not a video.\n" * 20)
    with pytest.raises(NotMedia, match=r"letter\.mp4 is not a readable media file"):
        probe(text)
    with pytest.raises(NotMedia, match="not a readable media file"):
        probe_mp4_with_video(text)


def test_other_containers_and_audio_only_files_are_refused(media: Path) -> None:
    webm = make_media(
        media / "clip.webm",
        "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1",
        "-c:v", "libvpx-vp9", "-deadline", "realtime",
    )  # fmt: skip
    with pytest.raises(NotMedia, match="not an MP4 file"):
        probe_mp4_with_video(webm)
    audio = make_media(media / "tone.m4a", "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac")
    with pytest.raises(NotMedia, match="has no video"):
        probe_mp4_with_video(audio)


def test_a_missing_file_is_not_media(media: Path) -> None:
    with pytest.raises(NotMedia, match="does not exist"):
        probe(media / "nothing.mp4")
