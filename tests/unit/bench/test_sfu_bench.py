"""The benchmark's cost ratio follows the target: at the largest N the baseline sustains."""

from __future__ import annotations

from typing import Any

from bench.sfu.__main__ import SUSTAINED_FPS, compare, describe, next_probe


def round_(n: int, fps_min: float, per_stream: float) -> dict[str, Any]:
    return {"subscribers": n, "fps_min": fps_min, "cpu_pct_per_stream": per_stream}


SFU = [round_(1, 30.0, 0.9), round_(5, 30.0, 0.5), round_(10, 30.0, 0.4)]


def test_ratio_is_taken_at_the_largest_sustained_n() -> None:
    baseline = [round_(1, 30.0, 19.4), round_(5, 30.0, 15.0), round_(10, 22.0, 9.0)]
    ratio = compare(SFU, baseline)
    assert ratio is not None
    assert ratio["subscribers"] == 5
    assert ratio["ratio"] == 30.0
    assert "N=5" in describe(ratio)


def test_a_round_just_under_the_threshold_is_not_sustained() -> None:
    baseline = [round_(1, 30.0, 19.4), round_(5, SUSTAINED_FPS - 0.1, 15.7)]
    ratio = compare(SFU, baseline)
    assert ratio is not None
    assert ratio["subscribers"] == 1
    assert ratio["ratio"] == round(19.4 / 0.9, 1)


def test_no_sustained_round_gives_no_ratio() -> None:
    assert compare(SFU, [round_(1, 20.0, 40.0)]) is None
    assert "no ratio" in describe(None)


def test_the_baseline_limit_is_bisected_between_grid_points() -> None:
    baseline = [round_(1, 30.0, 19.4), round_(10, 21.0, 9.0)]
    assert next_probe(baseline) == 5
    baseline.append(round_(5, 30.0, 16.0))
    assert next_probe(baseline) == 7
    baseline.append(round_(7, 27.0, 14.0))
    assert next_probe(baseline) == 6
    baseline.append(round_(6, 29.0, 15.0))
    assert next_probe(baseline) is None  # 5 sustained, 6 not: the limit is known


def test_no_probe_without_a_bracket() -> None:
    assert next_probe([round_(1, 30.0, 19.4), round_(10, 30.0, 12.0)]) is None
    assert next_probe([round_(1, 20.0, 40.0)]) is None
    assert next_probe([round_(1, 30.0, 19.4), round_(2, 20.0, 18.0)]) is None
