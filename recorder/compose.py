"""The reception after its end: one composed mp4 that follows the timeline, and each
participant's own files, as a transcoder job (`compose_reception`).

Every track log is remuxed as received (`remux.py`, no re-encoding) into a work folder.
Its frames are placed in the reception's time by their RTP timestamps, tied to the wall
clock once per on-air stretch (a run of packets without a pause of `STRETCH_GAP_S`): a
line under the least `arrival - rtp_time` of every `DRIFT_BUCKET_S` (the packets that
waited least in the network), its slope the sender's clock drift (a sound card's clock is
off by tens of ppm: 0.1 s over a half-hour stretch). Each stretch has its own line, so a
clock that stood still while off air does not move the picture off the timeline either.

One ffmpeg run draws the picture and the sound (`layout.py` says who is where and how
loud): a dark canvas, a card where a tile has no picture, each track's video scaled into
its tiles only while the tile shows it and the track has frames, overlaid by a time-gated
`overlay`; each track's audio placed by `asetpts`, its gaps filled with silence and its
drift followed by `aresample`, its level a piecewise `volume` expression over time (0
when not heard), all summed by `amix=normalize=0`. H.264 (libx264 veryfast, CRF 23)
1280x720 at 25 fps and AAC 128k, moov first.

The participants' files are their tracks put together (audio and video of one connection)
by ffmpeg without re-encoding: WebM for VP8, MP4 for H.264. Everything is written in a work
folder and renamed into place at the end, the manifest last, so a crashed or cancelled job
never leaves a half-written file under a final name.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import json
import logging
import shutil
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg

from recorder.depacketize import DepacketizeStats, frames, unwrap
from recorder.folders import COMPOSED, MANIFEST, TIMELINE, TRACKS
from recorder.layout import HEIGHT, WIDTH, Plan, Rect, plan
from recorder.remux import remux_track
from recorder.timeline import read_timeline
from recorder.track_log import TrackHeader, TrackLogError, read_track
from transcoder.ffmpeg import run_ffmpeg
from transcoder.jobs import JobContext
from transcoder.probe import NotMedia, probe

log = logging.getLogger(__name__)

PARTICIPANTS_DIR = "participants"
WORK_DIR = ".work"
COMPOSED_NAME = "reception.mp4"

FPS = 25
BACKGROUND = "0x101418"
CARD = "0x2b3440"
"""A tile's colour where it has no picture (video muted, none sent, not yet a frame)."""
STRETCH_GAP_S = 1.0
"""A pause this long in a track's arrivals starts a new on-air stretch."""
DRIFT_BUCKET_S = 10.0
"""A stretch's clock is fitted to the least-delayed packet of every this many seconds."""
MIN_DRIFT_SPAN_S = 60.0
"""A stretch shorter than this gets no drift (its offset alone): too short to measure."""
MAX_DRIFT = 0.001
"""A slope beyond this is not a clock's drift (a network's queue building up): ignored."""
HOLD_S = 0.1
"""A stretch's video stays up this long after its last frame arrived."""
SELECT_MARGIN_S = 0.5
"""Frames this long before a window are kept, so the window opens on a current frame."""
KEEPALIVE_S = 1.0
"""Outside its windows a tile's branch still passes a frame this often (see the graph)."""
PAIR_S = 10.0
"""Audio and video producers created this close together are one connection's."""
RTP_WRAP = 1 << 32

PREPARE_SHARE = 0.10
MERGE_SHARE = 0.05
"""Of the job's progress: remuxing the tracks, then the participants' files; the render
has the rest."""


@dataclass(frozen=True, slots=True)
class Stretch:
    boundary: float
    """Where the stretch starts in the remuxed file's time (seconds, between the last
    frame of the previous stretch and the first of this one)."""
    offset: float
    rate: float
    """Wall clock = offset + (1 + rate) * file time, within this stretch."""
    first: float
    """Wall clock of the stretch's first frame."""
    last: float
    """Wall clock of its last frame."""


@dataclass(frozen=True, slots=True)
class Track:
    path: Path
    header: TrackHeader
    stretches: tuple[Stretch, ...]
    media: Path
    """The remuxed file (in the work folder)."""

    @property
    def start(self) -> float:
        """Wall clock of the remuxed file's time 0 (its first frame)."""
        return self.stretches[0].offset

    @property
    def end(self) -> float:
        return self.stretches[-1].last


def time_track(path: Path) -> tuple[TrackHeader, tuple[Stretch, ...]] | None:
    """The track's on-air stretches in wall-clock time; None if it has no whole frame."""
    header, packets = read_track(path)
    given = [f.timestamp for f in frames(packets, header.codec, DepacketizeStats())]
    if not given:
        return None
    reference, clock = given[0], header.clock_rate
    seconds = [(t - reference) / clock for t in given]  # the remuxed file's times
    runs: list[list[tuple[float, float]]] = []
    extended = reference
    previous: float | None = None
    for packet in packets:  # in arrival order, as logged
        extended = unwrap(extended, packet.timestamp, RTP_WRAP)
        if previous is None or packet.arrival - previous > STRETCH_GAP_S:
            runs.append([])
        runs[-1].append((packet.arrival, (extended - reference) / clock))
        previous = packet.arrival
    stretches: list[Stretch] = []
    last_end: float | None = None
    for run in runs:
        low = min(s for _, s in run)
        high = max(s for _, s in run)
        shown = seconds[bisect.bisect_left(seconds, low) : bisect.bisect_right(seconds, high)]
        if not shown:
            continue  # nothing whole in it (no key frame came): nothing to show
        offset, rate = fit_clock(run)
        boundary = low if last_end is None else (last_end + low) / 2
        first, last = (offset + (1 + rate) * t for t in (shown[0], shown[-1]))
        stretches.append(Stretch(boundary, offset, rate, first, last))
        last_end = high
    return (header, tuple(stretches)) if stretches else None


def fit_clock(run: list[tuple[float, float]]) -> tuple[float, float]:
    """(offset, rate) of the line `offset + rate * rtp_time` lying under the least
    `arrival - rtp_time` of each `DRIFT_BUCKET_S` of the run ((arrival, rtp_time) pairs):
    its slope the median of the slopes between those points (one congested bucket does
    not tilt it), its height the lowest packet's."""
    floor: dict[int, tuple[float, float]] = {}
    for arrival, t in run:
        bucket = int((arrival - run[0][0]) // DRIFT_BUCKET_S)
        lag = arrival - t
        if bucket not in floor or lag < floor[bucket][1]:
            floor[bucket] = (t, lag)
    points = sorted(floor.values())
    rate = 0.0
    if points[-1][0] - points[0][0] >= MIN_DRIFT_SPAN_S:
        slopes = [
            (lag_b - lag_a) / (t_b - t_a)
            for (t_a, lag_a), (t_b, lag_b) in itertools.combinations(points, 2)
            if t_b > t_a
        ]
        rate = statistics.median(slopes)
        if abs(rate) > MAX_DRIFT:
            rate = 0.0
    return min(lag - rate * t for t, lag in points), rate


def _time(t: float) -> str:
    return f"{t:.3f}"


def _during(windows: Iterable[tuple[float, float]]) -> str:
    """An ffmpeg expression, 1 within the windows (start inclusive), else 0."""
    return "+".join(f"gte(t,{_time(a)})*lt(t,{_time(b)})" for a, b in windows) or "0"


def _piecewise(windows: Iterable[tuple[float, float, float]]) -> str:
    """An expression taking each window's value within it, 0 elsewhere."""
    terms = [f"{value:.6g}*gte(t,{_time(a)})*lt(t,{_time(b)})" for a, b, value in windows]
    return "+".join(terms) or "0"


def _merged(windows: list[tuple[float, float, Any]]) -> list[tuple[float, float, Any]]:
    """Adjacent windows with the same value as one (shorter expressions)."""
    out: list[tuple[float, float, Any]] = []
    for a, b, value in sorted(windows, key=lambda w: w[0]):
        if out and out[-1][2] == value and abs(out[-1][1] - a) < 1e-6:
            out[-1] = (out[-1][0], b, value)
        elif b > a:
            out.append((a, b, value))
    return out


def _placement(track: Track, origin: float) -> str:
    """setpts for the track: file time to reception time, stretch by stretch."""
    stretches = track.stretches
    terms = []
    for index, stretch in enumerate(stretches):
        within = []
        if index > 0:
            within.append(f"gte(T,{stretch.boundary:.6f})")
        if index + 1 < len(stretches):
            within.append(f"lt(T,{stretches[index + 1].boundary:.6f})")
        line = f"({stretch.offset - origin:.6f}+{stretch.rate:.9f}*T)"
        terms.append("*".join([*within, line]))
    return f"(T+{'+'.join(terms)})/TB"


def _present(track: Track, origin: float) -> list[tuple[float, float]]:
    """Where the track has frames, in reception time."""
    return [(s.first - origin, s.last - origin + HOLD_S) for s in track.stretches]


def _intersect(
    windows: list[tuple[float, float, Any]], spans: list[tuple[float, float]]
) -> list[tuple[float, float, Any]]:
    return [
        (max(a, c), min(b, d), value)
        for a, b, value in windows
        for c, d in spans
        if min(b, d) > max(a, c)
    ]


def _subtract(
    windows: list[tuple[float, float]], covered: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    """The parts of `windows` outside every `covered` window."""
    out = windows
    for c, d in covered:
        out = [
            piece
            for a, b in out
            for piece in ((a, min(b, c)), (max(a, d), b))
            if piece[1] > piece[0]
        ]
    return out


def _video_windows(
    layout: Plan, track: Track, origin: float
) -> dict[tuple[int, int], list[tuple[float, float, Rect]]]:
    """Tile size -> (from, to, rect): where the track's picture is drawn, only while the
    layout shows this participant's video and the track has frames."""
    participant = track.header.participant_id
    by_size: dict[tuple[int, int], list[tuple[float, float, Rect]]] = {}
    for segment in layout.segments:
        for tile in segment.tiles:
            if tile.participant_id == participant and tile.video:
                by_size.setdefault((tile.rect.w, tile.rect.h), []).append(
                    (segment.start, segment.end, tile.rect)
                )
    spans = _present(track, origin)
    placed = {size: _intersect(_merged(w), spans) for size, w in by_size.items()}
    return {size: windows for size, windows in placed.items() if windows}


def _sound(layout: Plan, track: Track, origin: float) -> Any:
    """The track's audio on the reception's clock, gaps silent, at the moderator's level."""
    participant = track.header.participant_id
    gains = _merged(
        [(s.start, s.end, s.gains[participant]) for s in layout.segments if participant in s.gains]
    )
    return (
        ffmpeg.input(str(track.media))
        .audio.filter("asetpts", _placement(track, origin))
        # gaps over 10 ms filled with silence, a drifting clock followed by stretching
        # up to 1 ms a second
        .filter("aresample", 48000, min_hard_comp=0.01, first_pts=0, **{"async": 48})
        .filter("volume", volume=_piecewise(gains), eval="frame")
    )


def render_graph(layout: Plan, tracks: list[Track], output: Path, script: Path) -> list[str]:
    """The ffmpeg arguments (after the executable) that render the composed mp4; the
    filter graph is written to `script` (a long reception's graph outgrows a command
    line argument)."""
    duration = layout.duration
    origin = layout.started_at
    pictures = [
        (track, windows)
        for track in tracks
        if track.header.kind == "video" and (windows := _video_windows(layout, track, origin))
    ]
    covered: dict[str, list[tuple[float, float]]] = {}
    for track, windows in pictures:
        covered.setdefault(track.header.participant_id, []).extend(
            (a, b) for placed in windows.values() for a, b, _ in placed
        )
    # a card only where a tile has no picture: a box drawn under every frame costs more
    # than all the scaling
    cards: dict[Rect, list[tuple[float, float, Any]]] = {}
    for segment in layout.segments:
        for tile in segment.tiles:
            bare = _subtract([(segment.start, segment.end)], covered.get(tile.participant_id, []))
            cards.setdefault(tile.rect, []).extend((a, b, True) for a, b in bare)
    canvas = ffmpeg.input(
        f"color=c={BACKGROUND}:s={WIDTH}x{HEIGHT}:r={FPS}:d={_time(duration)}", f="lavfi"
    ).video
    for rect, empty in cards.items():
        if empty:
            canvas = canvas.filter(
                "drawbox",
                x=rect.x,
                y=rect.y,
                w=rect.w,
                h=rect.h,
                color=CARD,
                t="fill",
                enable=_during((a, b) for a, b, _ in _merged(empty)),
            )
    for track, windows in pictures:
        video = ffmpeg.input(str(track.media), reinit_filter=0).video.filter(
            "setpts", _placement(track, origin)
        )
        branches = video.split() if len(windows) > 1 else None
        for index, ((width, height), placed) in enumerate(windows.items()):
            branch = branches[index] if branches is not None else video
            # outside its windows a branch keeps one frame a second: dropping them all would
            # make its overlay read ahead to the next window, and the split queue every frame
            # until then for the other branches (gigabytes over a long reception)
            during = _during((a - SELECT_MARGIN_S, b) for a, b, _ in placed)
            keep = f"{during}+isnan(prev_selected_t)+gte(t-prev_selected_t,{KEEPALIVE_S})"
            tile = (
                branch.filter("select", keep)
                .filter(
                    "scale",
                    width,
                    height,
                    force_original_aspect_ratio="decrease",
                    force_divisible_by=2,
                )
                .filter("format", "yuv420p")  # no alpha: overlay copies instead of blending
            )
            canvas = ffmpeg.overlay(
                canvas,
                tile,
                x=f"{_piecewise((a, b, r.x + r.w / 2) for a, b, r in placed)}-w/2",
                y=f"{_piecewise((a, b, r.y + r.h / 2) for a, b, r in placed)}-h/2",
                enable=_during((a, b) for a, b, _ in placed),
                eof_action="pass",
            )
    silence = ffmpeg.input(f"anullsrc=r=48000:cl=stereo:d={_time(duration)}", f="lavfi")
    sounds = [silence.audio] + [
        _sound(layout, track, origin) for track in tracks if track.header.kind == "audio"
    ]
    mixed = ffmpeg.filter(
        sounds, "amix", inputs=len(sounds), duration="first", normalize=0, dropout_transition=0
    )
    out = ffmpeg.output(
        canvas,
        mixed,
        str(output),
        f="mp4",
        t=_time(duration),
        movflags="+faststart",
        pix_fmt="yuv420p",
        **{
            "c:v": "libx264",
            "preset": "veryfast",
            "crf": 23,
            "r": FPS,
            "c:a": "aac",
            "b:a": "128k",
            "ar": 48000,
            "ac": 2,
        },
    )
    args: list[str] = list(out.get_args())
    at = args.index("-filter_complex")
    script.write_text(args[at + 1], encoding="utf-8")
    return [*args[:at], "-/filter_complex", str(script), *args[at + 2 :]]


@dataclass(slots=True)
class Session:
    """One connection of a participant: its audio and video producers' tracks."""

    participant_id: str
    started_at: float
    tracks: list[Track]

    def media(self) -> str:
        kinds = {t.header.kind for t in self.tracks}
        return "audio+video" if len(kinds) == 2 else kinds.pop()

    def suffix(self) -> str:
        h264 = any(t.header.codec.lower() == "video/h264" for t in self.tracks)
        return ".mp4" if h264 else ".webm"


def sessions(tracks: list[Track]) -> list[Session]:
    """Tracks grouped by connection: a participant's producers made within `PAIR_S` of
    each other, one of each kind; a reconnect makes a new session."""
    out: list[Session] = []
    for track in sorted(tracks, key=lambda t: (t.header.participant_id, t.header.started_at)):
        header = track.header
        last = out[-1] if out else None
        if (
            last is not None
            and last.participant_id == header.participant_id
            and header.started_at - last.started_at <= PAIR_S
            and header.kind not in {t.header.kind for t in last.tracks}
        ):
            last.tracks.append(track)
        else:
            out.append(Session(header.participant_id, header.started_at, [track]))
    return out


def merge_args(session: Session, output: Path) -> list[str]:
    """ffmpeg arguments that put a session's tracks in one file as they are (no
    re-encoding), each at its own start."""
    start = min(t.start for t in session.tracks)
    inputs = [
        ffmpeg.input(str(t.media), itsoffset=f"{t.start - start:.6f}") for t in session.tracks
    ]
    container = "mp4" if session.suffix() == ".mp4" else "webm"
    options = {"movflags": "+faststart"} if container == "mp4" else {}
    out = ffmpeg.output(*inputs, str(output), c="copy", f=container, **options)
    return list(out.get_args())


def _safe(participant_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in participant_id)[:40]


def _share(context: JobContext, low: float, high: float) -> JobContext:
    """A context for one step, its 0..1 mapped onto [low, high] of the job's progress."""

    async def sink(fraction: float, note: str) -> None:
        await context.progress(low + (high - low) * fraction, note)

    return JobContext(
        context.job_id,
        context.attempt,
        sink=sink,
        cancelled=context.cancelled,
        min_interval_s=0.0,
        min_step=0.0,
    )


def _prepare(path: Path, work: Path) -> Track | None:
    """Time a track log and remux it into the work folder (run in a thread)."""
    try:
        timed = time_track(path)
    except TrackLogError:
        log.warning("an unreadable track log was left out", extra={"path": str(path)})
        return None
    if timed is None:
        return None
    header, stretches = timed
    suffix = ".mkv" if header.codec.lower() == "video/h264" else ".webm"
    media = work / f"{path.stem}{suffix}"
    remux_track(path, media)
    return Track(path, header, stretches, media)


def _duration(path: Path) -> float:
    try:
        return round(probe(path).duration_s or 0.0, 3)
    except NotMedia:
        return 0.0


async def compose_reception(params: dict[str, Any], context: JobContext) -> dict[str, Any]:
    """The 'compose' job: params {"folder": "<recordings>/<reception_id>", "threads": int}.
    Writes `<folder>/composed/` (reception.mp4, participants/, manifest.json) and returns
    the manifest."""
    folder = Path(params["folder"])
    threads = int(params.get("threads", 0))
    composed = folder / COMPOSED
    work = composed / WORK_DIR
    shutil.rmtree(work, ignore_errors=True)  # what a crashed attempt left
    work.mkdir(parents=True)
    try:
        return await _compose(folder, composed, work, threads, context)
    finally:
        shutil.rmtree(work, ignore_errors=True)


async def _compose(
    folder: Path, composed: Path, work: Path, threads: int, context: JobContext
) -> dict[str, Any]:
    events = read_timeline(folder / TIMELINE)
    logs = sorted((folder / TRACKS).glob("*.track"))
    tracks: list[Track] = []
    for index, path in enumerate(logs):
        context.raise_if_cancelled()
        track = await asyncio.to_thread(_prepare, path, work)
        if track is not None:
            tracks.append(track)
        await context.progress(PREPARE_SHARE * (index + 1) / len(logs), "tracks remuxed")
    span = (min(t.start for t in tracks), max(t.end for t in tracks)) if tracks else None
    layout = plan(events, span)
    reception_id = next((str(e["reception_id"]) for e in events if "reception_id" in e), None)

    files: list[dict[str, Any]] = []
    renames: list[tuple[Path, Path]] = []
    counts: dict[str, int] = {}
    groups = sessions(tracks)
    for index, session in enumerate(groups):
        context.raise_if_cancelled()
        pid = session.participant_id
        counts[pid] = counts.get(pid, 0) + 1
        name = f"{PARTICIPANTS_DIR}/{_safe(pid)}-{counts[pid]}{session.suffix()}"
        part = work / f"participant-{index}{session.suffix()}"
        low = PREPARE_SHARE + MERGE_SHARE * index / len(groups)
        step = _share(context, low, low + MERGE_SHARE / len(groups))
        await run_ffmpeg(merge_args(session, part), duration_s=None, context=step)
        person = layout.people.get(pid)
        name_, role = (person.name, person.role) if person else (None, None)
        files.append(_entry(name, "participant", part, pid, name_, role))
        files[-1]["media"] = session.media()
        renames.append((part, composed / name))

    render = work / COMPOSED_NAME
    args = render_graph(layout, tracks, render, work / "graph.txt")
    await run_ffmpeg(
        args,
        duration_s=layout.duration,
        context=_share(context, PREPARE_SHARE + MERGE_SHARE, 0.99),
        threads=threads,
    )
    files.insert(0, _entry(COMPOSED_NAME, "composed", render, None, None, None))
    renames.insert(0, (render, composed / COMPOSED_NAME))
    manifest = {
        "reception_id": reception_id or folder.name,
        "composed_at": time.time(),
        "duration_s": round(layout.duration, 3),
        "files": files,
    }
    context.raise_if_cancelled()
    _publish(composed, renames, manifest)
    await context.progress(1.0, "composed")
    return manifest


def _entry(
    name: str,
    kind: str,
    path: Path,
    participant_id: str | None,
    participant_name: str | None,
    role: str | None,
) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind,
        "participant_id": participant_id,
        "participant_name": participant_name,
        "role": role,
        "media": "audio+video",
        "bytes": path.stat().st_size,
        "duration_s": _duration(path),
    }


def _publish(composed: Path, renames: list[tuple[Path, Path]], manifest: dict[str, Any]) -> None:
    """Every file renamed into place, the manifest last; files of an earlier composition
    that this one does not list are removed."""
    (composed / PARTICIPANTS_DIR).mkdir(parents=True, exist_ok=True)
    for source, target in renames:
        source.replace(target)
    listed = {composed / f["name"] for f in manifest["files"]}
    for stale in (composed / PARTICIPANTS_DIR).iterdir():
        if stale not in listed:
            stale.unlink()
    pending = composed / WORK_DIR / MANIFEST
    pending.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    pending.replace(composed / MANIFEST)
