"""`python -m bench.sfu --loss`: the nftables table that thins the server's media to the
listeners, the port ranges the processes pass one another, and the freezes it shows."""

from __future__ import annotations

from typing import Any

import pytest

from bench.sfu import loss
from bench.sfu.__main__ import _parser
from bench.sfu.figures import FREEZE_S, LOSS_COLUMNS, Window, combine, summarize, table
from bench.sfu.servers import MEDIA_PORTS, reception_config

from .test_sfu_bench_figures import PUBLISHER, USAGE, WINDOW, _round, listener


def test_the_table_drops_a_share_of_server_to_listener_udp_on_the_way_in() -> None:
    rules = loss.ruleset(5, (42000, 42999), (20000, 20999))
    assert "table inet reception_bench_loss {" in rules
    assert "hook prerouting" in rules
    assert "output" not in rules
    assert "postrouting" not in rules
    match = "udp sport 42000-42999 udp dport 20000-20999"
    assert f"{match} counter\n" in rules
    assert f"{match} numgen random mod 10000 < 500 counter drop\n" in rules
    # a table left by an earlier run is replaced in the same transaction
    assert rules.index("delete table inet reception_bench_loss") < rules.index("chain")


def test_fractions_of_a_percent_are_kept_and_impossible_shares_refused() -> None:
    assert "< 25 counter drop" in loss.ruleset(0.25, MEDIA_PORTS, loss.LISTENER_PORTS)
    for percent in (0, -1, 100):
        with pytest.raises(ValueError, match="not between 0 and 100"):
            loss.ruleset(percent, MEDIA_PORTS, loss.LISTENER_PORTS)


def test_listener_ports_are_apart_from_the_servers_and_from_ephemeral_ports() -> None:
    low, high = loss.LISTENER_PORTS
    assert high < MEDIA_PORTS[0] or low > MEDIA_PORTS[1]
    assert high < 32768  # Linux's first ephemeral port: the host and moderator bind there


def test_the_counters_say_what_was_seen_and_dropped() -> None:
    listing = (
        "table inet reception_bench_loss {\n"
        "\tchain to_listeners {\n"
        "\t\ttype filter hook prerouting priority raw; policy accept;\n"
        "\t\tudp sport 42000-42999 udp dport 20000-20999 counter packets 4000 bytes 1\n"
        "\t\tudp sport 42000-42999 udp dport 20000-20999 numgen random mod 10000 < 500 "
        "counter packets 178 bytes 1 drop\n"
        "\t}\n"
        "}\n"
    )
    dropped = loss.parse_counters(listing)
    assert (dropped.packets, dropped.dropped) == (4000, 178)
    assert dropped.pct == 4.45
    assert loss.Dropped(0, 0).pct == 0.0
    with pytest.raises(ValueError, match="expected two counters"):
        loss.parse_counters("table inet reception_bench_loss {\n}\n")


def test_no_loss_touches_nothing() -> None:
    with loss.dropping(0, MEDIA_PORTS) as dropping:
        pass
    assert dropping.dropped is None


def test_port_ranges_travel_as_low_dash_high() -> None:
    assert loss.port_range("20000-20999") == (20000, 20999)
    assert loss.port_range("20000") == (20000, 20000)
    for text in ("20999-20000", "0-10", "1-70000", "a-b"):
        with pytest.raises(ValueError, match="not a port range"):
            loss.port_range(text)


def test_the_node_sends_its_media_from_the_range_the_rule_matches(tmp_path: Any) -> None:
    config = reception_config(tmp_path, 18080, "k" * 48, "127.0.0.1", MEDIA_PORTS)
    assert config["rtc"] == {
        "host_addresses": ["127.0.0.1"],
        "udp_port_min": MEDIA_PORTS[0],
        "udp_port_max": MEDIA_PORTS[1],
    }


def test_loss_is_an_option_off_by_default() -> None:
    assert _parser().parse_args([]).loss == 0.0
    assert _parser().parse_args(["--loss", "5"]).loss == 5.0


def test_gaps_without_frames_are_freezes() -> None:
    window = Window(0.0, 2.0)
    frames = [i / 30 for i in range(60) if not 10 <= i < 25]  # 0.33-0.83 s missing
    gaps = window.gaps(frames)
    assert max(gaps) == pytest.approx(16 / 30)
    assert window.gaps([]) == [2.0]
    steady = listener(30)
    stalled = {**listener(30), "frame_times": [t for t in steady["frame_times"] if t < 104.0]}
    record = summarize("janus", [steady, stalled], [], PUBLISHER, USAGE, WINDOW)
    assert record["freezes"] == 1
    assert record["freeze_max_s"] == pytest.approx(WINDOW.end - 104.0 + 1 / 30, abs=0.01)
    assert record["freeze_max_s"] > FREEZE_S


def test_repetitions_keep_the_worst_freezes_and_the_share_dropped() -> None:
    rounds = [
        {**_round("reception", 10, 0.4), "freezes": 0, "freeze_max_s": 0.07, "dropped_pct": 4.9},
        {**_round("reception", 10, 0.5), "freezes": 3, "freeze_max_s": 0.6, "dropped_pct": 5.1},
    ]
    combined = combine(rounds)
    assert combined["freezes"] == 3
    assert combined["freeze_max_s"] == 0.6
    assert combined["dropped_pct"] == 5.0
    text = table([combined], LOSS_COLUMNS)
    assert "freeze_max_s" in text.splitlines()[0]
    assert "dropped_pct" in text.splitlines()[0]
    without = combine([_round("reception", 10, 0.4)])  # rounds of before, or no --loss
    assert without["freezes"] is None
    assert without["dropped_pct"] is None
