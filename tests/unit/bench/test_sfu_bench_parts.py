"""The SFU benchmark's other pure parts: key frames on request, undecoded frames through
aiortc's decoder thread, /proc parsing, Janus's configuration and the target's encoding."""

from __future__ import annotations

import inspect
import os
from pathlib import Path

from aiortc import rtcrtpreceiver
from aiortc.jitterbuffer import JitterFrame

from bench.sfu import janus
from bench.sfu.__main__ import client_cores, listener_groups
from bench.sfu.keyframes import KeyframeGate
from bench.sfu.procfs import CLK_TCK, parse_cpu_seconds, parse_rss_mb
from bench.sfu.servers import reception_config
from bench.sfu.signals import Target
from bench.sfu.undecoded import FrameSink, is_vp8_keyframe


def test_listeners_are_grouped_into_processes_with_the_decoding_ones_apart() -> None:
    assert listener_groups(25, 1) == [(0, 1, True), (1, 10, False), (11, 10, False), (21, 4, False)]
    assert listener_groups(1, 1) == [(0, 1, True)]
    assert listener_groups(3, 0) == [(0, 3, False)]


def test_requests_within_the_interval_share_one_key_frame() -> None:
    gate = KeyframeGate(0.5)
    assert not gate.take(0.0)  # nothing asked
    gate.request()
    assert gate.take(0.0)
    gate.request()
    gate.request()
    assert not gate.take(0.2)  # too soon: remembered, not dropped
    assert not gate.take(0.4)
    assert gate.take(0.5)
    assert not gate.take(0.6)
    assert gate.requests == 3
    assert gate.served == [0.0, 0.5]


def test_the_loops_own_key_frame_serves_a_pending_request() -> None:
    gate = KeyframeGate(0.5)
    gate.request()
    gate.sent_keyframe(1.0)
    assert not gate.take(1.6)
    assert gate.served == []


def test_complete_frames_reach_the_counter_instead_of_a_decoder() -> None:
    counted: list[bytes] = []
    sink = FrameSink(counted.append)
    sink.put(("vp8", JitterFrame(data=b"\x10frame", timestamp=0)))
    sink.put(None)  # the receiver stops
    assert counted == [b"\x10frame"]


def test_aiortc_still_queues_frames_where_the_counter_sits() -> None:
    """Pins what count_frames and keep_frames_encoded rely on in aiortc."""
    handle = inspect.getsource(rtcrtpreceiver.RTCRtpReceiver._handle_rtp_packet)
    assert "self.__decoder_queue.put((codec, encoded_frame))" in handle
    assert "target=decoder_worker" in inspect.getsource(rtcrtpreceiver.RTCRtpReceiver.receive)
    init = inspect.getsource(rtcrtpreceiver.RTCRtpReceiver.__init__)
    assert "self.__decoder_queue: queue.Queue = queue.Queue()" in init


def test_vp8_key_frames_are_told_by_the_frame_tag() -> None:
    assert is_vp8_keyframe(b"\x10\x02\x00\x9d\x01\x2a")
    assert not is_vp8_keyframe(b"\x31\x02\x00")
    assert not is_vp8_keyframe(b"")


def test_proc_figures_are_parsed() -> None:
    fields = ["S"] + ["0"] * 10 + [str(3 * CLK_TCK), str(CLK_TCK)] + ["0"] * 30
    assert parse_cpu_seconds(f"42 (a (weird) name) {' '.join(fields)}") == 4.0
    assert parse_rss_mb("Name:\tx\nVmRSS:\t  2048 kB\n") == 2.0


def test_janus_loads_only_videoroom_and_http_and_reaches_nothing_outside(tmp_path: Path) -> None:
    modules = tmp_path / "modules"
    for kind, names in {
        "plugins": ["libjanus_videoroom.so", "libjanus_echotest.so", "libjanus_sip.so.1"],
        "transports": ["libjanus_http.so", "libjanus_websockets.so"],
    }.items():
        (modules / kind).mkdir(parents=True)
        for name in names:
            (modules / kind / name).touch()
    core = janus.core_config(tmp_path, modules, (42000, 42999), "198.18.255.1")
    assert 'disable = "libjanus_echotest.so"' in core  # a versioned name is never loaded
    assert 'disable = "libjanus_websockets.so"' in core
    assert "event_loops = 1" in core
    assert 'ice_enforce_list = "198.18.255.1"' in core
    assert "broadcast = false" in core
    assert "stun" not in core
    assert "turn" not in core
    http = janus.http_config(18088)
    assert 'ip = "127.0.0.1"' in http
    assert "admin_http = false" in http


def test_the_node_is_configured_on_loopback_with_a_known_token_key(tmp_path: Path) -> None:
    config = reception_config(tmp_path, 18080, "k" * 48, "127.0.0.1")
    assert config["server"] == {
        "host": "127.0.0.1",
        "port": 18080,
        "public_url": "http://127.0.0.1:18080",
        "development": True,
    }
    assert config["rtc"] == {"host_addresses": ["127.0.0.1"]}
    assert config["secrets"] == {"token_key": "k" * 48}


def test_targets_travel_as_json_and_client_cores_default_to_the_rest() -> None:
    target = Target("reception", "http://127.0.0.1:1", "key", "demo-1", "198.18.255.1")
    assert Target.loads(target.dumps()) == target
    assert client_cores(0, "1,3") == [1, 3]
    assert client_cores(0, None) == (sorted(os.sched_getaffinity(0) - {0}) or [0])
