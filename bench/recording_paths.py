"""Three ways to record a live participant, run on the same packets (one participant's
VP8 and Opus track logs as a real `sfu.Router` received them):

(a) the product's track log (recorder/track_log.py): a `struct.pack` and a list append
    per packet, one `os.write` per track every 0.5 s; the WebM is made after the end
    (recorder/remux.py), off the forwarding path;
(b) PyAV muxing in process: the packets put back into frames (recorder/depacketize.py)
    and each frame muxed into a WebM as it comes;
(c) an ffmpeg process per participant fed plain RTP on loopback (an SDP file, `-c copy`):
    the forwarding process pays a `sendto` per packet, ffmpeg the rest.

For each: CPU per second of media, what a SIGKILL after `KILL_AFTER_S` leaves, what
reordered and duplicated packets do, and whether the video starts at a key frame.
`python -m bench.recording_paths {track-log,pyav,pyav-durable} CAPTURE OUT` is the child
that records in real time until it is killed.
"""

from __future__ import annotations

import argparse
import errno
import random
import resource
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import imageio_ffmpeg

from recorder.depacketize import DepacketizeStats, Frame, frames, vp8_keyframe_size
from recorder.remux import remux_track
from recorder.track_log import Packet, TrackHeader, TrackLogWriter, read_track
from recorder.track_recorder import FLUSH_INTERVAL_S

KILL_AFTER_S = 3.0
PROBE_S = 5.0
"""ffmpeg probes its input this long (its default analyzeduration) before it writes:
its steady cost is taken after that, its start-up cost is reported apart."""
REPEATS = 5
"""The in-process paths run this often on the whole capture; the median counts."""
CUT_S = 1.0
"""The mid-GOP run starts this far into the capture: past its first key frame."""
PAYLOAD_TYPES = {"audio": 111, "video": 96}
SSRCS = {"audio": 0x0A0D10, "video": 0x0F1D30}
KINDS = ("audio", "video")
SWAP, DUPLICATE, SEED = 0.03, 0.02, 7
"""The disorder tried: shares of packets swapped with the next one, and sent again (a
retransmission that crossed the original); seeded, so every run sees the same."""
DURABLE = {"flush_packets": "1", "cluster_time_limit": "500"}
"""Muxer options that put each packet on disk and close a WebM cluster every 0.5 s: by
default the matroska muxer holds a cluster (up to 5 s) in memory, which a SIGKILL loses.
PyAV and ffmpeg are measured with these, the settings that meet the 1 s loss budget."""


def schedstat_seconds(lines: Iterable[str]) -> float:
    """CPU time of the threads whose /proc/.../schedstat lines these are (nanoseconds on
    the CPU first): exact, where /proc/<pid>/stat counts 10 ms ticks."""
    return sum(int(line.split()[0]) for line in lines) / 1e9


def process_cpu_seconds(pid: int) -> float:
    """CPU time of every live thread of `pid`."""
    texts = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            texts.append((task / "schedstat").read_text())
        except FileNotFoundError:
            continue  # a thread that ended meanwhile
    return schedstat_seconds(texts)


def per_media_second(cpu_s: float, media_s: float, streams: int) -> dict[str, float]:
    """µs of CPU per second of media (for all `streams`), and % of a core per stream."""
    us = cpu_s / media_s * 1e6
    return {"us_per_media_s": round(us, 1), "pct_per_stream": round(us / 1e4 / streams, 4)}


@dataclass(frozen=True)
class Capture:
    """One participant's tracks as logged: the header and packets per kind."""

    headers: dict[str, TrackHeader]
    packets: dict[str, list[Packet]]

    def merged(self) -> list[tuple[str, Packet]]:
        """Every packet of both tracks, in the order they arrived."""
        both = [(kind, p) for kind, packets in self.packets.items() for p in packets]
        return sorted(both, key=lambda item: item[1].arrival)

    @property
    def origin(self) -> float:
        return min(packets[0].arrival for packets in self.packets.values() if packets)

    @property
    def seconds(self) -> float:
        last = max(packets[-1].arrival for packets in self.packets.values() if packets)
        return last - self.origin

    def cut(self, start_s: float) -> Capture:
        """What arrived from `start_s` into the capture on."""
        since = self.origin + start_s
        kept = {kind: [p for p in ps if p.arrival >= since] for kind, ps in self.packets.items()}
        return Capture(self.headers, kept)


def load_capture(folder: Path) -> Capture:
    """The first participant's audio and video track logs in `folder`."""
    participant = min(path.name.split("-")[1] for path in folder.glob("*.track"))
    headers: dict[str, TrackHeader] = {}
    packets: dict[str, list[Packet]] = {}
    for path in folder.glob(f"*-{participant}-*.track"):
        header, logged = read_track(path)
        headers[header.kind], packets[header.kind] = header, logged
    if set(headers) != set(KINDS):
        raise RuntimeError(f"no audio and video track of {participant} in {folder}")
    return Capture(headers, packets)


def perturb(
    packets: Sequence[Packet], seed: int, swap: float = SWAP, duplicate: float = DUPLICATE
) -> list[Packet]:
    """The packets as a lossy path delivers them: a share of neighbours swapped, and a
    share sent again eight packets later (a retransmission after a NACK)."""
    rng = random.Random(seed)
    order = list(packets)
    index = 0
    while index < len(order) - 1:
        if rng.random() < swap:
            order[index], order[index + 1] = order[index + 1], order[index]
            index += 1
        index += 1
    result: list[Packet] = []
    again: dict[int, list[Packet]] = {}
    for index, packet in enumerate(order):
        result.extend(again.pop(index, []))
        result.append(packet)
        if rng.random() < duplicate:
            again.setdefault(index + 8, []).append(packet)
    for index in sorted(again):
        result.extend(again[index])
    return result


def _sleep_until(at: float) -> None:
    delay = at - time.monotonic()
    if delay > 0.001:
        time.sleep(delay)


def _cpu(work: Callable[[], object]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


# --- (a) the product's track log -----------------------------------------------------------


def write_logs(
    capture: Capture,
    folder: Path,
    paced: bool = False,
    started: Callable[[], None] | None = None,
) -> dict[str, Path]:
    """Path (a): every packet appended as it arrives, both logs flushed every
    `FLUSH_INTERVAL_S` of arrival time (the product's timer)."""
    folder.mkdir(parents=True, exist_ok=True)
    writers = {
        kind: TrackLogWriter(folder / f"{kind}.track", capture.headers[kind]) for kind in KINDS
    }
    if started is not None:
        started()
    origin, clock = capture.origin, time.monotonic()
    next_flush = origin + FLUSH_INTERVAL_S
    for kind, packet in capture.merged():
        if paced:
            _sleep_until(clock + packet.arrival - origin)
        if packet.arrival >= next_flush:
            for writer in writers.values():
                writer.flush()
            while next_flush <= packet.arrival:  # a timer keeps its period over a pause
                next_flush += FLUSH_INTERVAL_S
        writers[kind].append(
            packet.arrival, packet.sequence_number, packet.timestamp, packet.marker, packet.payload
        )
    for writer in writers.values():
        writer.close()
    return {kind: writer.path for kind, writer in writers.items()}


def remux_logs(logs: dict[str, Path], folder: Path) -> dict[str, Path]:
    """The product's post-processor: one WebM per track."""
    out = {kind: folder / f"{kind}.webm" for kind in logs}
    for kind, path in logs.items():
        remux_track(path, out[kind])
    return out


# --- (b) PyAV muxing in process ------------------------------------------------------------


def _timeline(capture: Capture) -> list[tuple[float, str, Frame]]:
    """Both tracks' whole frames, by their media time (s from each track's first frame)."""
    timeline: list[tuple[float, str, Frame]] = []
    for kind in KINDS:
        header = capture.headers[kind]
        first: int | None = None
        for frame in frames(capture.packets[kind], header.codec, DepacketizeStats()):
            first = frame.timestamp if first is None else first
            timeline.append(((frame.timestamp - first) / header.clock_rate, kind, frame))
    timeline.sort(key=lambda item: item[0])
    return timeline


def pyav_record(
    capture: Capture,
    out: Path,
    options: dict[str, str],
    paced: bool = False,
    started: Callable[[], None] | None = None,
) -> None:
    """Path (b): depacketize, then mux each frame into one WebM with PyAV as it comes."""
    timeline = _timeline(capture)
    first_key = next(frame for _, kind, frame in timeline if kind == "video")
    clock = time.monotonic()
    with av.open(str(out), mode="w", options=options) as container:
        streams = {kind: _pyav_stream(container, kind, first_key) for kind in KINDS}
        rates = {kind: capture.headers[kind].clock_rate for kind in KINDS}
        firsts: dict[str, int] = {}
        for at, kind, frame in timeline:
            if paced:
                _sleep_until(clock + at)
            pts = frame.timestamp - firsts.setdefault(kind, frame.timestamp)
            packet = av.Packet(frame.data)
            packet.stream = streams[kind]
            packet.time_base = Fraction(1, rates[kind])
            packet.pts = packet.dts = pts
            packet.is_keyframe = frame.keyframe
            container.mux(packet)
            if started is not None:
                started()
                started = None


def _pyav_stream(
    container: av.container.OutputContainer, kind: str, first_key: Frame
) -> av.VideoStream | av.AudioStream:
    """A stream for the codec as received (its encoder is never fed), as in recorder/remux.py."""
    stream: av.VideoStream | av.AudioStream
    if kind == "video":
        video = container.add_stream("libvpx", rate=30)
        assert isinstance(video, av.VideoStream)
        video.width, video.height = vp8_keyframe_size(first_key.data) or (16, 16)
        video.pix_fmt = "yuv420p"
        stream, rate = video, 90000
    else:
        audio = container.add_stream("libopus", rate=48000)
        assert isinstance(audio, av.AudioStream)
        audio.layout = "stereo"
        stream, rate = audio, 48000
    stream.time_base = Fraction(1, rate)
    stream.codec_context.time_base = Fraction(1, rate)
    return stream


# --- (c) an ffmpeg process fed plain RTP ---------------------------------------------------


def sdp(ports: dict[str, int]) -> str:
    """The session ffmpeg reads: VP8 and Opus as plain RTP on 127.0.0.1."""
    lines = [
        "v=0",
        "o=- 0 0 IN IP4 127.0.0.1",
        "s=recording",
        "c=IN IP4 127.0.0.1",
        "t=0 0",
        f"m=audio {ports['audio']} RTP/AVP {PAYLOAD_TYPES['audio']}",
        f"a=rtpmap:{PAYLOAD_TYPES['audio']} opus/48000/2",
        f"m=video {ports['video']} RTP/AVP {PAYLOAD_TYPES['video']}",
        f"a=rtpmap:{PAYLOAD_TYPES['video']} VP8/90000",
    ]
    return "\r\n".join(lines) + "\r\n"


def rtp_datagram(packet: Packet, kind: str) -> bytes:
    """The logged packet as plain RTP again (version 2, no extensions)."""
    second = PAYLOAD_TYPES[kind] | (0x80 if packet.marker else 0)
    header = struct.pack(
        "!BBHII", 0x80, second, packet.sequence_number, packet.timestamp, SSRCS[kind]
    )
    return header + packet.payload


def _bound(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def free_ports() -> dict[str, int]:
    """An even port per kind whose odd neighbour (RTCP) is free too."""
    ports: dict[str, int] = {}
    while len(ports) < len(KINDS):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1] & ~1
        if port > 1024 and port not in ports.values() and not _bound(port) and not _bound(port + 1):
            ports[KINDS[len(ports)]] = port
    return ports


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ffmpeg_record(
    capture: Capture,
    folder: Path,
    options: dict[str, str],
    kill_after: float | None = None,
) -> dict[str, Any]:
    """Path (c): ffmpeg reads the SDP, the packets are sent at the pace they arrived.
    With `kill_after`, ffmpeg gets SIGKILL that many seconds in; else SIGINT at the end
    (it then closes its file properly)."""
    folder.mkdir(parents=True, exist_ok=True)
    ports = free_ports()
    (folder / "in.sdp").write_text(sdp(ports))
    out = folder / "out.webm"
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error"]
    command += ["-protocol_whitelist", "file,udp,rtp", "-i", str(folder / "in.sdp")]
    command += ["-c", "copy", *(arg for k, v in options.items() for arg in (f"-{k}", v))]
    command += ["-y", str(out)]
    children_before = _children_cpu()
    with (folder / "ffmpeg.log").open("w") as errors:
        ffmpeg = subprocess.Popen(command, stdin=subprocess.DEVNULL, stderr=errors)
    deadline = time.monotonic() + 20
    while not all(_bound(port) for port in ports.values()):
        if time.monotonic() > deadline or ffmpeg.poll() is not None:
            ffmpeg.kill()
            raise RuntimeError(f"ffmpeg did not listen: {(folder / 'ffmpeg.log').read_text()}")
        time.sleep(0.05)
    datagrams = [
        (p.arrival - capture.origin, ("127.0.0.1", ports[kind]), rtp_datagram(p, kind))
        for kind, p in capture.merged()
    ]
    if kill_after is not None:
        datagrams = [d for d in datagrams if d[0] < kill_after]
    probing = [d for d in datagrams if d[0] < PROBE_S]
    steady = datagrams[len(probing) :]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        clock = time.monotonic()
        _send(sender, probing, clock)
        ffmpeg_at_mark = process_cpu_seconds(ffmpeg.pid)
        steady_cpu, sendto_cpu = _send(sender, steady, clock)
        time.sleep(0.2)  # the last datagrams reach ffmpeg
        ffmpeg_steady = process_cpu_seconds(ffmpeg.pid) - ffmpeg_at_mark
    if kill_after is not None:
        ffmpeg.kill()
    else:
        ffmpeg.send_signal(signal.SIGINT)
    ffmpeg.wait(timeout=30)
    steady_s = (steady[-1][0] - steady[0][0]) if len(steady) > 1 else 0.0
    return {
        "out": out,
        "returncode": ffmpeg.returncode,
        "media_s": datagrams[-1][0] if datagrams else 0.0,
        "steady_media_s": steady_s,
        "ffmpeg_steady_cpu_s": ffmpeg_steady,
        "sender_steady_cpu_s": steady_cpu,
        "sendto_steady_cpu_s": sendto_cpu,
        "ffmpeg_total_cpu_s": _children_cpu() - children_before,
        "log": (folder / "ffmpeg.log").read_text()[-400:],
    }


def _send(
    sock: socket.socket, datagrams: list[tuple[float, Any, bytes]], clock: float
) -> tuple[float, float]:
    """Send each datagram at its time after `clock`. The CPU this process spent: all of
    it (pacing included), and in `sendto` alone (what a forwarding process would add,
    the kernel's loopback delivery to ffmpeg included)."""
    start = time.process_time()
    in_sendto = 0.0
    for at, address, data in datagrams:
        _sleep_until(clock + at)
        before = time.thread_time()
        sock.sendto(data, address)
        in_sendto += time.thread_time() - before
    return time.process_time() - start, in_sendto


# --- what a file holds ---------------------------------------------------------------------


def playable(path: Path) -> dict[str, Any]:
    """What a player gets from `path`: whether it opens, the frames that decode, decoding
    errors, whether the video starts at a key frame, and the seconds covered."""
    result: dict[str, Any] = {
        "bytes": path.stat().st_size if path.exists() else 0,
        "opens": False,
        "frames": {"audio": 0, "video": 0},
        "errors": 0,
        "video_starts_on_key": None,
        "seconds": 0.0,
    }
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, FileNotFoundError) as error:
        result["error"] = type(error).__name__
        return result
    result["opens"] = True
    first: float | None = None
    last = 0.0
    with container:
        try:
            for packet in container.demux():
                if packet.size == 0 or packet.pts is None or packet.time_base is None:
                    continue
                kind = packet.stream.type
                if kind == "video" and result["video_starts_on_key"] is None:
                    result["video_starts_on_key"] = packet.is_keyframe
                start = float(packet.pts * packet.time_base)
                first = start if first is None else min(first, start)
                last = max(last, start + float((packet.duration or 0) * packet.time_base))
                try:
                    result["frames"][kind] += len(packet.decode())
                except av.error.FFmpegError:
                    result["errors"] += 1
        except av.error.FFmpegError as error:
            result["error"] = f"demuxing stopped: {type(error).__name__}"
    result["seconds"] = round(last - first, 2) if first is not None else 0.0
    return result


def _merge(files: Iterable[Path]) -> dict[str, Any]:
    """`playable` of one file per track, as one recording."""
    parts = [playable(path) for path in files]
    video = next((p for p in parts if p["frames"]["video"] or p["video_starts_on_key"]), None)
    return {
        "bytes": sum(p["bytes"] for p in parts),
        "opens": all(p["opens"] for p in parts),
        "frames": {kind: sum(p["frames"][kind] for p in parts) for kind in KINDS},
        "errors": sum(p["errors"] for p in parts),
        "video_starts_on_key": video["video_starts_on_key"] if video else None,
        "seconds": max((p["seconds"] for p in parts), default=0.0),
    }


# --- the comparison ------------------------------------------------------------------------


def _killed(mode: str, capture_dir: Path, folder: Path) -> dict[str, Any]:
    """Record in a child at real pace, SIGKILL it `KILL_AFTER_S` after its first write,
    and see what plays (the track logs through the product's post-processor)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / ("out" if mode == "track-log" else "out.webm")
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.recording_paths", mode, str(capture_dir), str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    if child.stdout.readline().strip() != "STARTED":
        child.kill()
        raise RuntimeError(f"the {mode} child did not start")
    time.sleep(KILL_AFTER_S)
    child.kill()
    child.wait(timeout=10)
    if mode != "track-log":
        return playable(out)
    logs = {kind: out / f"{kind}.track" for kind in KINDS}
    return _merge(remux_logs(logs, folder).values())


def _perturbed(capture: Capture, swap: float, duplicate: float) -> Capture:
    packets = {k: perturb(capture.packets[k], SEED, swap, duplicate) for k in KINDS}
    return Capture(capture.headers, packets)


def _median_cpu(work: Callable[[int], object], repeats: int = REPEATS) -> float:
    """The median CPU of `repeats` runs of `work(run)` in this process."""
    spent = []
    for run in range(repeats):
        start = time.process_time()
        work(run)
        spent.append(time.process_time() - start)
    return statistics.median(spent)


def compare(capture_dir: Path, work: Path, seconds: float) -> dict[str, Any]:
    """Every path on the capture in `capture_dir`; scratch files go to `work`."""
    capture = load_capture(capture_dir)
    media_s = capture.seconds
    streams = len(KINDS)
    work.mkdir(parents=True, exist_ok=True)

    log_cpu = _median_cpu(lambda run: write_logs(capture, work / f"a{run}"))
    logs = write_logs(capture, work / "a")
    remuxed: dict[str, Path] = {}
    remux_cpu = _cpu(lambda: remuxed.update(remux_logs(logs, work / "a")))
    pyav_cpu = _median_cpu(lambda run: pyav_record(capture, work / f"b{run}.webm", DURABLE))
    ffmpeg = ffmpeg_record(capture, work / "c", DURABLE)
    steady_s = ffmpeg["steady_media_s"]
    sendto, child = ffmpeg["sendto_steady_cpu_s"], ffmpeg["ffmpeg_steady_cpu_s"]
    swapped = _perturbed(capture, swap=SWAP, duplicate=0.0)
    doubled = _perturbed(capture, swap=0.0, duplicate=DUPLICATE)
    cut = capture.cut(CUT_S)
    return {
        "capture": {
            "participant_media_s": round(media_s, 2),
            "packets": {kind: len(capture.packets[kind]) for kind in KINDS},
            "video_kbps": round(
                sum(len(p.payload) for p in capture.packets["video"]) * 8 / media_s / 1000
            ),
            "window_s": seconds,
        },
        "cpu": {
            "track_log": per_media_second(log_cpu, media_s, streams),
            "pyav_in_process": per_media_second(pyav_cpu, media_s, streams),
            "ffmpeg_rtp_sendto_and_child": per_media_second(sendto + child, steady_s, streams),
            "ffmpeg_rtp_child": per_media_second(child, steady_s, streams),
            "ffmpeg_rtp_sendto": per_media_second(sendto, steady_s, streams),
            "ffmpeg_rtp_sender_paced": per_media_second(
                ffmpeg["sender_steady_cpu_s"], steady_s, streams
            ),
            "track_log_remux_after_end": per_media_second(remux_cpu, media_s, streams),
        },
        "ffmpeg_start_and_probe_cpu_s": round(ffmpeg["ffmpeg_total_cpu_s"] - child, 3),
        "complete": {
            "track_log": _merge(remuxed.values()),
            "pyav_in_process": playable(work / "b0.webm"),
            "ffmpeg_rtp": playable(ffmpeg["out"]),
        },
        "killed": {
            "track_log": _killed("track-log", capture_dir, work / "kill-a"),
            "pyav_in_process": _killed("pyav-durable", capture_dir, work / "kill-b"),
            "pyav_in_process_default_options": _killed("pyav", capture_dir, work / "kill-b0"),
            "ffmpeg_rtp": playable(
                ffmpeg_record(capture, work / "kill-c", DURABLE, KILL_AFTER_S)["out"]
            ),
            "ffmpeg_rtp_default_options": playable(
                ffmpeg_record(capture, work / "kill-c0", {}, KILL_AFTER_S)["out"]
            ),
        },
        "reordered": {
            "track_log": _merge(remux_logs(write_logs(swapped, work / "r"), work / "r").values()),
            "ffmpeg_rtp": playable(ffmpeg_record(swapped, work / "r-c", DURABLE)["out"]),
        },
        "duplicated": {
            "sent_again": {k: len(doubled.packets[k]) - len(capture.packets[k]) for k in KINDS},
            "track_log": _merge(remux_logs(write_logs(doubled, work / "d"), work / "d").values()),
            "ffmpeg_rtp": playable(ffmpeg_record(doubled, work / "d-c", DURABLE)["out"]),
        },
        "started_mid_gop": {
            "cut_at_s": CUT_S,
            "track_log": _merge(remux_logs(write_logs(cut, work / "g"), work / "g").values()),
            "ffmpeg_rtp": playable(ffmpeg_record(cut, work / "g-c", DURABLE)["out"]),
        },
    }


SECTIONS = {
    "complete": "whole run",
    "killed": f"SIGKILL after {KILL_AFTER_S} s",
    "reordered": f"{SWAP:.0%} of packets swapped with the next one",
    "duplicated": f"{DUPLICATE:.0%} of packets sent again 8 packets later",
    "started_mid_gop": f"started {CUT_S} s in (mid-GOP)",
}


def describe(paths: dict[str, Any]) -> str:
    """The comparison as a few lines of text."""
    lines = [f"recording paths on {paths['capture']['participant_media_s']} s of one participant:"]
    for name, figures in paths["cpu"].items():
        lines.append(
            f"  {name:28} {figures['us_per_media_s']:8.1f} µs CPU per media second, "
            f"{figures['pct_per_stream']:.4f} % of a core per stream"
        )
    lines.append(f"  ffmpeg start-up and probing: {paths['ffmpeg_start_and_probe_cpu_s']} s CPU")
    for section, title in SECTIONS.items():
        lines.append(f"  {title}:")
        for name, result in paths[section].items():
            if isinstance(result, dict) and "opens" in result:
                lines.append(f"    {name:32} {_brief(result)}")
    return "\n".join(lines)


def _brief(result: dict[str, Any]) -> str:
    if not result["opens"]:
        return f"does not open ({result['bytes']} bytes)"
    return (
        f"{result['seconds']} s, {result['frames']['video']} video + "
        f"{result['frames']['audio']} audio frames, {result['errors']} decoding errors, "
        f"video starts on a key frame: {result['video_starts_on_key']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="record a capture in real time until killed")
    parser.add_argument("mode", choices=("track-log", "pyav", "pyav-durable"))
    parser.add_argument("capture", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    capture = load_capture(args.capture)

    def started() -> None:
        print("STARTED", flush=True)

    if args.mode == "track-log":
        write_logs(capture, args.out, paced=True, started=started)
    else:
        options = DURABLE if args.mode == "pyav-durable" else {}
        pyav_record(capture, args.out, options, paced=True, started=started)


if __name__ == "__main__":
    main()
